"""An SMTP outage, against a real SMTP server on loopback: the registration notice
waits in the outbox, is retried with backoff, and arrives exactly once when the
server is back — first in-process, then through the real `zayavka worker`."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.utils import timezone

from tests.channels.email.mailbuilder import raw_mail
from tests.factories import World, inbound, ticket_of
from zayavka.tickets import outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Outbox
from zayavka.tickets.threading import LOOP_HEADER, ticket_number_from_message_id

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


class SmtpServer:
    """A real SMTP server on a fixed loopback port that can be down or up."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, server_hostname="mx.test"
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    """The mail server the outbox relays through: down until the test starts it."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def assert_registration_notice(message: EmailMessage, number: int, in_reply_to: str) -> None:
    assert f"[#{number}]" in message["Subject"]
    assert message["Message-ID"].startswith(f"<zv.{number}.")
    assert message["In-Reply-To"] == f"<{in_reply_to}>"
    assert message["References"] == f"<{in_reply_to}>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message[LOOP_HEADER]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert f"Ваша заявка зарегистрирована под номером {number}." in body.get_content()


@pytest.mark.django_db
def test_an_smtp_outage_delays_the_registration_notice_and_loses_nothing(
    world: World, relay: SmtpServer, settings: Any
) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": relay.port, "timeout": 10},
        }
    }
    ticket = ticket_of(
        intake.receive(inbound(email="o.smirnov@romashka.ru", message_id="req-1@mail.romashka.ru"))
    )
    notice = Outbox.objects.get()
    assert notice.template == "ticket_created" and notice.state == Outbox.State.PENDING

    # The server is down: the notice stays, the attempt is counted, the next one waits.
    t0 = timezone.now()
    assert outbox.deliver_due(now=t0) == 0
    notice.refresh_from_db()
    assert notice.state == Outbox.State.PENDING and notice.attempts == 1
    assert "refused" in notice.last_error.lower()
    assert notice.next_attempt_at == t0 + outbox.backoff(1)
    assert outbox.deliver_due(now=t0 + timedelta(seconds=20)) == 0  # not due yet
    notice.refresh_from_db()
    assert notice.attempts == 1

    # Back up, and the backoff has passed: it arrives, once.
    relay.start()
    assert outbox.deliver_due(now=t0 + timedelta(seconds=31)) == 1
    (envelope,) = relay.inbox.envelopes
    assert envelope.mail_from == django_settings.DEFAULT_FROM_EMAIL
    assert envelope.rcpt_tos == ["o.smirnov@romashka.ru"]
    (message,) = relay.inbox.messages
    assert_registration_notice(message, ticket.number, "req-1@mail.romashka.ru")
    assert ticket_number_from_message_id(message["Message-ID"]) == ticket.number
    assert message["Message-ID"] == f"<{notice.context['message_id']}>"
    notice.refresh_from_db()
    assert notice.state == Outbox.State.SENT and notice.attempts == 2

    assert outbox.deliver_due(now=t0 + timedelta(hours=1)) == 0
    assert len(relay.inbox.envelopes) == 1


# --- The real worker process ---------------------------------------------------------


def zayavka(env: dict[str, str], *args: str, stdin: bytes = b"") -> None:
    subprocess.run(
        [sys.executable, "-m", "zayavka.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )


def outbox_rows(database: Path) -> list[tuple[str, int, str]]:
    with closing(sqlite3.connect(database, timeout=10)) as db:
        return db.execute("SELECT state, attempts, last_error FROM tickets_outbox").fetchall()


@pytest.mark.slow
def test_the_worker_delivers_once_the_smtp_server_comes_up(
    tmp_path: Path, relay: SmtpServer
) -> None:
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAYAVKA_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        ZAYAVKA_DATA_DIR=str(data),
        ZAYAVKA_SECRET_KEY="worker-smtp-test",
        ZAYAVKA_SQLITE_SYNCHRONOUS="NORMAL",
        ZAYAVKA_LOG_LEVEL="WARNING",
        ZAYAVKA_SMTP_HOST="127.0.0.1",
        ZAYAVKA_SMTP_PORT=str(relay.port),
        ZAYAVKA_OUTBOX_POLL_SECONDS="0.2",
        ZAYAVKA_WORKERS="1",
    )
    zayavka(env, "migrate", "-v0")
    zayavka(env, "mail", "deliver", stdin=raw_mail(message_id="<w1@mail.romashka.ru>"))
    database = data / "zayavka.sqlite3"

    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "zayavka.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            # No SMTP server yet: the worker tries, fails, and keeps the notice.
            (state, _attempts, error) = wait_for(
                lambda: [r for r in outbox_rows(database) if r[1] >= 1],
                20,
                "a failed attempt",
            )[0]
            assert state == "pending" and "refused" in error.lower()

            relay.start()
            # Skip the 30 s wait of the first backoff: make the retry due now.
            with closing(sqlite3.connect(database, timeout=10)) as db:
                db.execute("UPDATE tickets_outbox SET next_attempt_at = '2000-01-01 00:00:00'")
                db.commit()
            wait_for(lambda: relay.inbox.envelopes, 20, "the notice to arrive")
            wait_for(lambda: outbox_rows(database)[0][0] == "sent", 10, "the row to be marked sent")
            time.sleep(1)  # a few more polls of the dispatcher
            assert len(relay.inbox.envelopes) == 1
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
    (message,) = relay.inbox.messages
    assert_registration_notice(message, int(message["X-Zayavka-Ticket"]), "w1@mail.romashka.ru")
    assert relay.inbox.envelopes[0].rcpt_tos == ["o.smirnov@romashka.ru"]
