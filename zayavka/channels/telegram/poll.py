"""Long polling: getUpdates with a timeout, each update kept and handled (`receive.take`)
before the offset moves past it.

Telegram forgets an update once getUpdates is called with a higher offset; the offset
here is raised only after `take` returned, i.e. after the commit. A poller killed at
any point gets the uncommitted updates again, and those it committed are duplicates.
"""

from __future__ import annotations

import json
import logging
import threading

from django.conf import settings
from django.db import close_old_connections

from zayavka.channels.telegram import health
from zayavka.channels.telegram.api import BotApi, BotApiError
from zayavka.channels.telegram.receive import take

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_PAUSE = 60.0


def poll_once(api: BotApi, offset: int | None, *, timeout: int) -> tuple[int | None, int]:
    """One getUpdates; returns the next offset and how many updates were taken."""
    params: dict[str, object] = {"timeout": timeout, "allowed_updates": ALLOWED_UPDATES}
    if offset is not None:
        params["offset"] = offset
    updates = api.call("getUpdates", params, wait=timeout)
    if not isinstance(updates, list):
        raise BotApiError("getUpdates: not a list")
    taken = 0
    for update in updates:
        raw = json.dumps(update, ensure_ascii=False).encode()
        take(raw)  # committed when it returns; a database error stops here
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if isinstance(update_id, int):
            offset = max(offset or 0, update_id + 1)
        taken += 1
    return offset, taken


def run_forever(stop: threading.Event, *, api: BotApi | None = None) -> None:
    """Poll until `stop` is set; failures are recorded for /healthz and retried with a
    growing pause."""
    api = api or BotApi()
    offset: int | None = None
    pause = 1.0
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                offset, _ = poll_once(api, offset, timeout=settings.ZAYAVKA_TELEGRAM_POLL_TIMEOUT)
                health.record_ok(health.POLLER)
                pause = 1.0
            except Exception as exc:
                error = f"{exc.__class__.__name__}: {exc}"
                log.warning("telegram poll failed", extra={"error": error})
                wait = exc.retry_after if isinstance(exc, BotApiError) else 0
                try:
                    health.record_failure(health.POLLER, error)
                except Exception:
                    log.exception("could not record the poller's failure")
                stop.wait(max(pause, wait))
                pause = min(pause * 2, MAX_PAUSE)
    finally:
        api.close()
        close_old_connections()
