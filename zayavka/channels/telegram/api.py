"""The Bot API over HTTP: one method call is one POST of JSON to
``{ZAYAVKA_TELEGRAM_API_URL}/bot{token}/{method}``; the answer is ``{"ok": true,
"result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...,
"parameters": {"retry_after": seconds}}``."""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

# Seconds to connect, and to wait for an answer beyond a long poll's own timeout.
CONNECT_TIMEOUT = 10.0
READ_MARGIN = 15.0


class BotApiError(Exception):
    """The Bot API refused a call, or could not be reached."""

    def __init__(self, description: str, *, code: int = 0, retry_after: float = 0) -> None:
        super().__init__(f"{code} {description}" if code else description)
        self.code = code
        self.retry_after = retry_after


def configured() -> bool:
    return bool(settings.ZAYAVKA_TELEGRAM_TOKEN)


class BotApi:
    def __init__(self, token: str = "", base_url: str = "") -> None:
        self.token = token or settings.ZAYAVKA_TELEGRAM_TOKEN
        self.base_url = (base_url or settings.ZAYAVKA_TELEGRAM_API_URL).rstrip("/")
        self.client = httpx.Client(timeout=httpx.Timeout(READ_MARGIN, connect=CONNECT_TIMEOUT))

    def close(self) -> None:
        self.client.close()

    def call(self, method: str, params: dict[str, Any], *, wait: float = 0) -> Any:
        """The method's result; BotApiError when it failed (with `retry_after` on 429).
        `wait` is how long the server may hold the call (a long poll's timeout)."""
        url = f"{self.base_url}/bot{self.token}/{method}"
        try:
            response = self.client.post(url, json=params, timeout=READ_MARGIN + wait)
        except httpx.HTTPError as exc:
            # The URL holds the token: say what failed, not where.
            raise BotApiError(f"{method}: {exc.__class__.__name__}") from None
        try:
            data = response.json()
        except ValueError:
            raise BotApiError(f"{method}: not JSON", code=response.status_code) from None
        if not isinstance(data, dict) or not data.get("ok"):
            data = data if isinstance(data, dict) else {}
            parameters = data.get("parameters") or {}
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else 0
            raise BotApiError(
                f"{method}: {data.get('description') or 'failed'}",
                code=int(data.get("error_code") or response.status_code),
                retry_after=float(retry_after or 0),
            )
        return data.get("result")
