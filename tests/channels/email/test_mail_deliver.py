"""`zayavka mail deliver`, the MTA pipe: exit 0 only once a message is stored, 75 otherwise.

Most cases run the command in-process with a fake stdin; the last ones run it as the
MTA does, one process per message, against a database of their own.
"""

from __future__ import annotations

import io
import json
import os
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from tests.channels.email.mailbuilder import raw_mail
from tests.factories import World
from zayavka.channels.email import deliver as delivery
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Message, RawInput, StatusCategory, Ticket
from zayavka.tickets.threading import make_message_id

ROOT = Path(__file__).resolve().parents[3]

BOUNCE = (
    b"From: Mail Delivery System <MAILER-DAEMON@mx.romashka.ru>\r\n"
    b"To: support@desk.example\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n"
    b"Message-ID: <bounce1@mx.romashka.ru>\r\n"
    b"Auto-Submitted: auto-replied\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
    b"--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.romashka.ru\r\n\r\n"
    b"Final-Recipient: rfc822; nobody@romashka.ru\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    b"--B--\r\n"
)


def deliver(raw: bytes, *args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("mail", "deliver", *args, stdin=io.BytesIO(raw), stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def tempfail(raw: bytes, *args: str) -> tuple[CommandError, dict[str, Any]]:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("mail", "deliver", *args, stdin=io.BytesIO(raw), stdout=out)
    return info.value, json.loads(out.getvalue())


@pytest.mark.django_db
def test_a_new_email_opens_a_ticket_and_says_its_number(world: World) -> None:
    result = deliver(raw_mail())
    ticket = Ticket.objects.get()
    assert result == {"result": "created", "ticket": ticket.number}
    assert ticket.requester == world.oleg
    assert ticket.messages.get().text == "Сайт не открывается с утра."
    raw = RawInput.objects.get()
    assert raw.external_id == "m1@mail.romashka.ru" and raw.state == RawInput.State.PROCESSED


@pytest.mark.django_db
def test_the_same_email_delivered_again_is_a_duplicate(world: World) -> None:
    first = deliver(raw_mail())
    assert deliver(raw_mail()) == {"result": "duplicate", "ticket": first["ticket"]}
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_to_our_notification_lands_in_its_ticket(world: World) -> None:
    number = deliver(raw_mail())["ticket"]
    reply = raw_mail(
        "Спасибо, уже работает.\n\n> Ваша заявка зарегистрирована",
        subject="Re: Заявка зарегистрирована",
        message_id="<m2@mail.romashka.ru>",
        headers={"In-Reply-To": f"<{make_message_id(number)}>"},
    )
    assert deliver(reply) == {"result": "appended", "ticket": number}
    ticket = Ticket.objects.get()
    assert [m.text for m in ticket.messages.all()][-1] == "Спасибо, уже работает."


@pytest.mark.django_db
def test_a_reply_to_a_resolved_ticket_reopens_it(world: World) -> None:
    number = deliver(raw_mail())["ticket"]
    Ticket.objects.filter(number=number).update(state=StatusCategory.RESOLVED)
    reply = raw_mail(
        "Снова не работает",
        subject=f"Re: [#{number}] Не открывается сайт",
        message_id="<m3@mail.romashka.ru>",
    )
    assert deliver(reply) == {"result": "appended", "ticket": number}
    assert Ticket.objects.get().state == StatusCategory.OPEN


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    [
        raw_mail("Я в отпуске до 30 ноября.", headers={"Auto-Submitted": "auto-replied"}),
        BOUNCE,
        raw_mail(headers={"X-Zayavka-Loop": "support@desk.example"}),
    ],
    ids=["auto-reply", "bounce", "our-own-mail"],
)
def test_machine_mail_never_opens_a_ticket(world: World, raw: bytes) -> None:
    assert deliver(raw) == {"result": "ignored", "ticket": None}
    assert not Ticket.objects.exists()
    assert RawInput.objects.get().state == RawInput.State.IGNORED


@pytest.mark.django_db
def test_a_bounce_of_our_notification_becomes_a_note_on_its_ticket(world: World) -> None:
    number = deliver(raw_mail())["ticket"]
    bounce = BOUNCE.replace(
        b"MIME-Version", f"References: <{make_message_id(number)}>\r\nMIME-Version".encode()
    ).replace(b"nobody@romashka.ru", b"o.smirnov@romashka.ru")  # our notice to the requester
    assert deliver(bounce) == {"result": "appended", "ticket": number}
    note = Ticket.objects.get().messages.last()
    assert note is not None and note.kind == Message.Kind.SYSTEM


@pytest.mark.django_db
def test_an_empty_message_is_kept_in_quarantine() -> None:
    assert deliver(b"") == {"result": "quarantined", "ticket": None}
    assert RawInput.objects.get().reason == "empty message"


@pytest.mark.django_db
def test_an_adapter_crash_keeps_the_raw_message_for_a_replay(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(raw: bytes, **kwargs: Any) -> None:
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(delivery, "to_inbound", crash)
    assert deliver(raw_mail()) == {"result": "quarantined", "ticket": None}
    raw = RawInput.objects.get()
    assert "adapter bug" in raw.reason and raw.envelope == {}
    monkeypatch.undo()
    assert intake.retry(raw.pk).result == "created"  # replayed through RAW_PARSERS["email"]


@pytest.mark.django_db
def test_an_unexpected_intake_error_keeps_the_raw_message(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(message: Any) -> None:
        raise ValueError("unexpected")

    monkeypatch.setattr(intake, "receive", broken)
    assert deliver(raw_mail()) == {"result": "quarantined", "ticket": None}
    assert "unexpected" in RawInput.objects.get().reason


@pytest.mark.django_db
def test_a_database_error_is_a_temporary_failure(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(message: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(intake, "receive", down)
    error, out = tempfail(raw_mail())
    assert error.returncode == 75
    assert out == {"result": "tempfail", "ticket": None}
    assert "server closed the connection" in str(error)


@pytest.mark.django_db
def test_a_storage_error_is_a_temporary_failure(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(prefix: str, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(intake, "store_blob", disk_full)
    error, _ = tempfail(raw_mail())
    assert error.returncode == 75 and "No space left" in str(error)
    assert not RawInput.objects.exists()


def test_mail_parse_prints_one_json_line_per_file(tmp_path: Path) -> None:
    first, second = tmp_path / "a.eml", tmp_path / "b.eml"
    first.write_bytes(raw_mail())
    second.write_bytes(raw_mail(subject="Второе письмо", message_id="<m2@r>"))
    out = io.StringIO()
    call_command("mail", "parse", str(first), str(second), "--json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(d["file"], d["subject"]) for d in lines] == [
        (str(first), "Не открывается сайт"),
        (str(second), "Второе письмо"),
    ]
    expected = {
        "file", "subject", "from_email", "from_name", "from_unambiguous", "to", "cc",
        "message_id", "in_reply_to", "references", "date", "text", "reply_text", "html",
        "attachments", "auto_generated", "bounce", "defects",
    }  # fmt: skip
    assert set(lines[0]) == expected
    assert lines[0]["from_email"] == "o.smirnov@romashka.ru" and lines[0]["from_unambiguous"]


def test_mail_parse_reports_a_missing_file(tmp_path: Path) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError, match="could not read 1 file"):
        call_command("mail", "parse", str(tmp_path / "nope.eml"), stdout=io.StringIO(), stderr=err)
    assert "nope.eml" in err.getvalue()


# --- As the MTA runs it: a process per message ---------------------------------------


@pytest.fixture(scope="module")
def desk_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of a desk with its own SQLite database, migrated."""
    data = tmp_path_factory.mktemp("desk")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAYAVKA_")}
    env.update(
        ZAYAVKA_DATA_DIR=str(data),
        ZAYAVKA_SECRET_KEY="pipe-test",
        ZAYAVKA_SQLITE_SYNCHRONOUS="NORMAL",
        ZAYAVKA_LOG_LEVEL="WARNING",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    zayavka(env, "migrate", "-v0", check=True)
    yield env


def zayavka(
    env: dict[str, str], *args: str, stdin: bytes = b"", check: bool = False
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "zayavka.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=check,
    )


def test_the_pipe_stores_a_message_and_exits_0(desk_env: dict[str, str]) -> None:
    raw = raw_mail(message_id="<pipe-1@mail.romashka.ru>")
    done = zayavka(desk_env, "mail", "deliver", stdin=raw)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"] == "created"
    again = zayavka(desk_env, "mail", "deliver", stdin=raw)
    assert (again.returncode, json.loads(again.stdout)["result"]) == (0, "duplicate")


def test_with_the_database_down_the_pipe_exits_75_and_a_retry_loses_nothing(
    desk_env: dict[str, str],
) -> None:
    raw = raw_mail("Срочно!", message_id="<pipe-2@mail.romashka.ru>")
    down = {**desk_env, "ZAYAVKA_DATABASE_URL": "postgres://zayavka@127.0.0.1:1/zayavka"}
    failed = zayavka(down, "mail", "deliver", stdin=raw)
    assert failed.returncode == 75, failed.stderr
    assert json.loads(failed.stdout) == {"result": "tempfail", "ticket": None}
    assert b"try again later" in failed.stderr

    retried = zayavka(desk_env, "mail", "deliver", stdin=raw)  # the MTA's next attempt
    assert retried.returncode == 0, retried.stderr
    created = json.loads(retried.stdout)
    assert created["result"] == "created" and isinstance(created["ticket"], int)
    listed = zayavka(desk_env, "quarantine", "list", "--json", check=True)
    assert listed.stdout.strip() == b""


def test_mail_listen_serves_lmtp_until_stopped(desk_env: dict[str, str], tmp_path: Path) -> None:
    raw = raw_mail(message_id="<listen-1@mail.romashka.ru>")
    command = [sys.executable, "-m", "zayavka.cli", "mail", "listen", "--lmtp", "--port", "0"]
    with (
        (tmp_path / "stderr").open("wb") as errors,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, cwd=ROOT, env=desk_env
        ) as server,
    ):
        try:
            assert server.stdout is not None
            banner = server.stdout.readline().decode()  # "LMTP listener on 127.0.0.1:PORT"
            assert banner.startswith("LMTP listener on"), (tmp_path / "stderr").read_text()
            port = int(banner.rsplit(":", 1)[1])
            with smtplib.LMTP("127.0.0.1", port, timeout=30) as client:
                assert client.sendmail("o.smirnov@romashka.ru", ["support@desk.example"], raw) == {}
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=30) == 0
        finally:
            if server.poll() is None:
                server.kill()
    again = zayavka(desk_env, "mail", "deliver", stdin=raw)
    assert json.loads(again.stdout)["result"] == "duplicate"  # it was stored


def test_a_configuration_error_at_start_up_is_a_temporary_failure(tmp_path: Path) -> None:
    """The MTA keeps the message and retries, instead of bouncing it."""
    env = {**os.environ, "ZAYAVKA_DATA_DIR": str(tmp_path), "ZAYAVKA_PORT": "not-a-number"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "zayavka.cli", "mail", "deliver"],
        input=b"Subject: x\n\nhello\n",
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 75
    assert json.loads(done.stdout)["result"] == "tempfail"
    assert b"ZAYAVKA_PORT" in done.stderr
