"""The LMTP/SMTP listener, talked to by real clients: 250 only after commit, 451 on failure."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError

from tests.channels.email.mailbuilder import raw_mail
from tests.factories import World
from zayavka.channels.email.lmtp import MailListener
from zayavka.tickets.actions import intake
from zayavka.tickets.models import RawInput, Ticket

# Another thread (the listener's) writes: the test must see committed data. The
# serialized rollback restores the rows migrations seed (statuses, priorities).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def start(protocol: str = "lmtp", **kwargs: Any) -> MailListener:
    listener = MailListener("127.0.0.1", 0, protocol=protocol, workers=2, **kwargs)
    listener.start_in_thread()
    return listener


@pytest.fixture
def lmtp() -> Iterator[MailListener]:
    listener = start("lmtp")
    yield listener
    listener.stop_thread()


@pytest.fixture
def smtp() -> Iterator[MailListener]:
    listener = start("smtp")
    yield listener
    listener.stop_thread()


def send_lmtp(listener: MailListener, raw: bytes, to: str = "support@desk.example") -> None:
    with smtplib.LMTP("127.0.0.1", listener.port, timeout=30) as client:
        client.sendmail("o.smirnov@romashka.ru", [to], raw)


class Session:
    """A hand-driven LMTP session, to read every reply line (smtplib reads one)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.file = self.sock.makefile("rb")
        self.reply()  # greeting

    def reply(self) -> list[str]:
        lines = []
        while True:
            line = self.file.readline().decode().rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def command(self, line: str) -> list[str]:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def data(self, raw: bytes, recipients: int) -> list[str]:
        assert self.command("DATA")[0].startswith("354")
        body = raw.replace(b"\r\n.", b"\r\n..")
        self.sock.sendall(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        return [self.reply()[0] for _ in range(recipients)]

    def close(self) -> None:
        self.command("QUIT")
        self.file.close()
        self.sock.close()


def test_a_message_over_lmtp_is_acknowledged_once_its_ticket_exists(
    world: World, lmtp: MailListener
) -> None:
    send_lmtp(lmtp, raw_mail())
    ticket = Ticket.objects.get()
    assert ticket.requester == world.oleg
    raw = RawInput.objects.get()
    assert raw.envelope["meta"]["envelope"] == {
        "mail_from": "o.smirnov@romashka.ru",
        "rcpt_to": ["support@desk.example"],
    }


def test_a_message_over_plain_smtp_too(world: World, smtp: MailListener) -> None:
    with smtplib.SMTP("127.0.0.1", smtp.port, timeout=30) as client:
        refused = client.sendmail("o.smirnov@romashka.ru", ["support@desk.example"], raw_mail())
    assert refused == {}
    assert Ticket.objects.get().requester == world.oleg


def test_lmtp_answers_once_per_recipient(world: World, lmtp: MailListener) -> None:
    session = Session(lmtp.port)
    try:
        assert session.command("LHLO mx.test")[0].startswith("250")
        assert session.command("MAIL FROM:<o.smirnov@romashka.ru>")[0].startswith("250")
        assert session.command("RCPT TO:<support@desk.example>")[0].startswith("250")
        assert session.command("RCPT TO:<help@desk.example>")[0].startswith("250")
        replies = session.data(raw_mail(), recipients=2)
    finally:
        session.close()
    number = Ticket.objects.get().number
    assert replies == [f"250 2.0.0 Ok: created ticket {number}"] * 2
    assert RawInput.objects.count() == 1


def test_a_database_failure_answers_451_and_the_retry_is_stored(
    world: World, lmtp: MailListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(message: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake, "receive", down)
    with pytest.raises(smtplib.SMTPDataError) as info:
        send_lmtp(lmtp, raw_mail())
    assert info.value.smtp_code == 451
    assert not RawInput.objects.exists()

    monkeypatch.undo()
    send_lmtp(lmtp, raw_mail())  # the MTA's retry
    assert Ticket.objects.count() == 1


def test_smtp_answers_451_on_failure_too(
    world: World, smtp: MailListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(message: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(intake, "receive", down)
    with (
        smtplib.SMTP("127.0.0.1", smtp.port, timeout=30) as client,
        pytest.raises(smtplib.SMTPDataError) as info,
    ):
        client.sendmail("o.smirnov@romashka.ru", ["support@desk.example"], raw_mail())
    assert info.value.smtp_code == 451


def test_a_message_over_the_size_limit_is_refused_with_552(world: World) -> None:
    listener = start("lmtp", max_bytes=2000)
    try:
        big = raw_mail("Длинное письмо.\n" * 300)
        # A client that declares the size is refused up front...
        with (
            smtplib.LMTP("127.0.0.1", listener.port, timeout=30) as client,
            pytest.raises(smtplib.SMTPSenderRefused) as info,
        ):
            client.sendmail("o.smirnov@romashka.ru", ["support@desk.example"], big)
        assert info.value.smtp_code == 552
        # ...one that does not, after DATA: once per recipient, as LMTP wants.
        session = Session(listener.port)
        try:
            session.command("LHLO mx.test")
            session.command("MAIL FROM:<o.smirnov@romashka.ru>")
            session.command("RCPT TO:<a@desk.example>")
            session.command("RCPT TO:<b@desk.example>")
            replies = session.data(big, recipients=2)
        finally:
            session.close()
        assert [r[:3] for r in replies] == ["552", "552"]
    finally:
        listener.stop_thread()
    assert not RawInput.objects.exists()


def test_machine_mail_over_lmtp_is_stored_but_opens_no_ticket(
    world: World, lmtp: MailListener
) -> None:
    send_lmtp(lmtp, raw_mail(headers={"Auto-Submitted": "auto-replied"}))
    assert not Ticket.objects.exists()
    assert RawInput.objects.get().state == RawInput.State.IGNORED


def test_a_busy_port_is_reported_at_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listener = MailListener("127.0.0.1", taken.getsockname()[1])
        with pytest.raises(OSError):
            listener.start_in_thread()
