"""A real HTTP receiver on the loopback for the webhook tests: it records what it got,
checks each signature itself (no code of the desk's), and answers what it is told."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> Any:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        stamp = self.headers["Zayavka-Timestamp"]
        mac = hmac.new(secret.encode(), f"{stamp}.".encode() + self.body, hashlib.sha256)
        return hmac.compare_digest(self.headers["Zayavka-Signature"], "v1=" + mac.hexdigest())


@dataclass
class Receiver:
    port: int
    received: list[Received] = field(default_factory=list)
    # Statuses to answer, in turn; 204 once they run out. A (status, location) redirects.
    answers: list[int | tuple[int, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.received.append(
                Received(self.path, dict(self.headers.items()), self.rfile.read(length))
            )
            answer = state.answers.pop(0) if state.answers else 204
            if isinstance(answer, tuple):
                self.send_response(answer[0])
                self.send_header("Location", answer[1])
            else:
                self.send_response(answer)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
