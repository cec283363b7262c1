"""`zayavka serve` with a bot token: it runs the long poller beside the web server and
the worker, so that a chat message becomes a ticket and the chat hears back, all
through the local Bot API server (botapi.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.channels.telegram.botapi import TOKEN, message_update, running_bot_api
from tests.core.test_serve import free_port, get


@pytest.mark.slow
def test_serve_runs_the_poller_and_the_chat_gets_its_ticket_number(tmp_path: Path) -> None:
    port = free_port()
    with running_bot_api() as api:
        env = {
            **os.environ,
            "ZAYAVKA_DATA_DIR": str(tmp_path / "var"),
            "ZAYAVKA_PORT": str(port),
            "ZAYAVKA_SECRET_KEY": "serve-test",
            "ZAYAVKA_TELEGRAM_TOKEN": TOKEN,
            "ZAYAVKA_TELEGRAM_API_URL": api.url,
            "ZAYAVKA_TELEGRAM_POLL_TIMEOUT": "2",
        }
        for name in ("ZAYAVKA_DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        env.pop("ZAYAVKA_TELEGRAM_WEBHOOK_SECRET", None)
        api.push(message_update(1, "Не открывается сайт romashka-shop.ru", language="en"))
        log_path = tmp_path / "serve.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "zayavka.cli", "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                sent = _until(
                    lambda: [s for s in api.sent() if s["chat_id"] == 555000111], log_path
                )
                health: dict[str, Any] = {}

                def healthy() -> bool:
                    status, body = get(f"http://127.0.0.1:{port}/healthz")
                    health.update(json.loads(body))
                    return status == 200

                _until(healthy, log_path)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
    assert health["checks"]["telegram"] == "ok"
    # (The demo data's Telegram ticket is announced to its chat too.)
    [answer] = sent
    assert answer["text"].startswith("Your request is registered under number ")


def _until(condition: Any, log_path: Path, limit: float = 120) -> Any:
    # A limit on how long a broken desk is waited for, not a timing assertion.
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"the desk did not get there:\n{log_path.read_text()[-3000:]}")
