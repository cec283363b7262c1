"""A local server that speaks the Bot API's HTTP protocol, for the Telegram tests.

``POST /bot<token>/<method>`` with JSON (or form) parameters; it answers getMe,
getUpdates (long polling over the updates the test queued, forgetting those below the
offset, as Telegram does), sendMessage, setWebhook, deleteWebhook and getWebhookInfo;
a wrong token gets 401, an unknown method 404. Every call is recorded. A test can
script failures: `fail_next("sendMessage", 429, retry_after=7)`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Zayavka", "username": "zayavka_test_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class BotApiServer:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    # Called with each getUpdates' parameters before it is answered (a test's probe).
    on_get_updates: Callable[[dict[str, Any]], None] | None = None
    url: str = ""
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _next_message_id: int = 1

    # --- what a test does -----------------------------------------------------------

    def push(self, update: dict[str, Any]) -> None:
        with self._changed:
            self.updates.append(update)
            self._changed.notify_all()

    def fail_next(self, method: str, code: int, *, retry_after: float = 0) -> None:
        self.failures.setdefault(method, []).append((code, retry_after))

    def sent(self) -> list[dict[str, Any]]:
        """The parameters of every sendMessage that succeeded."""
        return [c.params for c in self.calls if c.method == "sendMessage" and "ok" in c.params]

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    # --- the protocol ---------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        call = Call(method, dict(params))
        self.calls.append(call)
        pending = self.failures.get(method)
        if pending:
            code, retry_after = pending.pop(0)
            error: dict[str, Any] = {"ok": False, "error_code": code, "description": "scripted"}
            if retry_after:
                error["description"] = f"Too Many Requests: retry after {retry_after:g}"
                error["parameters"] = {"retry_after": retry_after}
            return code, error
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method == "sendMessage":
            if "chat_id" not in params or not str(params.get("text", "")).strip():
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
            call.params["ok"] = True
            self._next_message_id += 1
            result = {
                "message_id": self._next_message_id,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "date": 1765000000,
                "text": params["text"],
            }
            return 200, {"ok": True, "result": result}
        if method in ("setWebhook", "deleteWebhook"):
            return 200, {"ok": True, "result": True}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": "", "pending_update_count": 0}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.on_get_updates is not None:
            self.on_get_updates(params)
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        with self._changed:
            # An offset confirms every update below it: Telegram forgets them.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if not self.updates and timeout > 0:
                self._changed.wait(timeout)
            return list(self.updates[:100])


@contextmanager
def running_bot_api() -> Iterator[BotApiServer]:
    api = BotApiServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            prefix, _, method = self.path.lstrip("/").partition("/")
            if prefix != f"bot{api.token}":
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            if "json" in (self.headers.get("Content-Type") or ""):
                params = json.loads(body or b"{}")
            else:
                params = dict(parse_qsl(body.decode()))
            self._reply(*api.answer(method, params))

        def _reply(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        with api._changed:
            api._changed.notify_all()
        server.shutdown()
        server.server_close()


# --- updates shaped like the Bot API documentation's --------------------------------

OLEG_ID = 100200300  # Oleg Smirnov's Telegram id in tests/factories.py
STRANGER_ID = 555000111


def person(user_id: int, *, language: str = "ru", first_name: str = "Олег") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": language,
    }


def message_update(
    update_id: int,
    text: str,
    *,
    user_id: int = STRANGER_ID,
    language: str = "ru",
    first_name: str = "Пётр",
    **extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id * 10,
        "from": person(user_id, language=language, first_name=first_name),
        "chat": {"id": user_id, "first_name": first_name, "type": "private"},
        "date": 1765000000 + update_id,
        **extra,
    }
    if text:
        message["text"] = text
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}
