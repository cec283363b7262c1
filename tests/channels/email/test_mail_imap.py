"""IMAP polling against a real Dovecot: a message is marked on the server only once the
desk has committed it, and whatever goes wrong, every message ends up in the desk once."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from tests.channels.email.dovecot import Account, Dovecot, free_port
from tests.channels.email.mailbuilder import raw_mail
from tests.factories import World
from zayavka.channels.email import deliver as delivery
from zayavka.channels.email import imap as poller
from zayavka.channels.email.admin import MailboxForm
from zayavka.channels.email.models import Mailbox, is_loopback
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Message, RawInput, Ticket
from zayavka.tickets.threading import make_message_id

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
STORED = {"\\Seen", "$ZayavkaStored"}


def mailbox_fields(dovecot: Dovecot, account: Account) -> dict[str, Any]:
    return {
        "name": f"support {account.user}",
        "host": "127.0.0.1",
        "port": dovecot.imap_port,
        "security": Mailbox.Security.PLAIN,
        "username": account.user,
        "password": account.password,
    }


def mailbox_for(dovecot: Dovecot, account: Account, **fields: Any) -> Mailbox:
    """The desk's configuration of ``account``'s mailbox (plain IMAP on loopback), checked
    as the admin checks it."""
    mailbox = Mailbox(**{**mailbox_fields(dovecot, account), **fields})
    mailbox.full_clean()
    mailbox.save()
    return mailbox


def marked(dovecot: Dovecot, account: Account) -> dict[int, bool]:
    """UID -> whether the message carries the desk's marks."""
    return {uid: flags >= STORED for uid, flags in dovecot.flags(account).items()}


# --- polling ----------------------------------------------------------------------------


def test_a_new_message_opens_a_ticket_and_is_marked_on_the_server(
    world: World, dovecot: Dovecot, account: Account
) -> None:
    dovecot.append(account, raw_mail())
    mailbox = mailbox_for(dovecot, account)

    report = poller.poll_mailbox(mailbox)

    assert (report.found, dict(report.results), report.error) == (1, {"created": 1}, "")
    ticket = Ticket.objects.get()
    assert ticket.requester == world.oleg
    assert ticket.messages.get().text == "Сайт не открывается с утра."
    assert RawInput.objects.get().external_id == "m1@mail.romashka.ru"
    assert marked(dovecot, account) == {1: True}
    mailbox.refresh_from_db()
    assert mailbox.last_poll_at is not None and mailbox.last_error == ""
    # Nothing new: the next poll finds nothing to do.
    assert poller.poll_mailbox(mailbox).found == 0


def test_replies_thread_to_their_tickets_in_the_order_they_arrived(
    world: World, dovecot: Dovecot, account: Account
) -> None:
    mailbox = mailbox_for(dovecot, account)
    dovecot.append(account, raw_mail())
    poller.poll_mailbox(mailbox)
    number = Ticket.objects.get().number
    dovecot.append(
        account,
        raw_mail(
            "Спасибо, уже работает.\n\n> Ваша заявка зарегистрирована",
            subject="Re: Заявка зарегистрирована",
            message_id="<m2@mail.romashka.ru>",
            headers={"In-Reply-To": f"<{make_message_id(number)}>"},
        ),
        raw_mail(
            "And one more thing.",
            subject=f"Re: [#{number}] Не открывается сайт",
            message_id="<m3@mail.romashka.ru>",
        ),
    )

    report = poller.poll_mailbox(mailbox)

    assert dict(report.results) == {"appended": 2}
    ticket = Ticket.objects.get()
    assert [m.message_id for m in ticket.messages.order_by("pk")] == [
        "m1@mail.romashka.ru",
        "m2@mail.romashka.ru",
        "m3@mail.romashka.ru",
    ]
    assert marked(dovecot, account) == {1: True, 2: True, 3: True}


def test_a_message_is_marked_only_once_its_commit_returned(
    world: World, dovecot: Dovecot, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(account, raw_mail(), raw_mail(message_id="<m2@mail.romashka.ru>"))
    mailbox = mailbox_for(dovecot, account)
    seen_at_commit: list[tuple[int, dict[int, bool]]] = []
    real = delivery.deliver

    def deliver_and_look(raw: bytes, **kwargs: Any) -> intake.IntakeResult:
        result = real(raw, **kwargs)
        seen_at_commit.append((RawInput.objects.count(), marked(dovecot, account)))
        return result

    monkeypatch.setattr(delivery, "deliver", deliver_and_look)
    poller.poll_mailbox(mailbox)

    # When the first message was stored nothing was marked; the second, only the first.
    assert seen_at_commit == [(1, {1: False, 2: False}), (2, {1: True, 2: False})]
    assert marked(dovecot, account) == {1: True, 2: True}


def test_with_the_database_down_nothing_is_marked_and_the_next_poll_stores_it(
    world: World, dovecot: Dovecot, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(account, raw_mail())
    mailbox = mailbox_for(dovecot, account)

    def down(message: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(intake, "receive", down)
    with pytest.raises(poller.MailboxError, match="not stored, will retry"):
        poller.poll_mailbox(mailbox)
    assert not RawInput.objects.exists()
    assert marked(dovecot, account) == {1: False}
    mailbox.refresh_from_db()
    assert "server closed the connection" in mailbox.last_error

    monkeypatch.undo()
    assert dict(poller.poll_mailbox(mailbox).results) == {"created": 1}
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


@pytest.mark.parametrize("message_id", ["<m1@mail.romashka.ru>", ""], ids=["message-id", "none"])
def test_a_crash_between_commit_and_marking_gives_a_duplicate_not_a_second_ticket(
    world: World,
    dovecot: Dovecot,
    account: Account,
    monkeypatch: pytest.MonkeyPatch,
    message_id: str,
) -> None:
    """Without a Message-ID the hash of the raw bytes is the external id: the server
    gives the same bytes back, so it dedupes just the same."""
    dovecot.append(account, raw_mail(message_id=message_id))
    mailbox = mailbox_for(dovecot, account)

    def connection_lost(*args: Any) -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(poller, "_mark", connection_lost)
    with pytest.raises(poller.MailboxError, match="marking message UID 1"):
        poller.poll_mailbox(mailbox)
    assert Ticket.objects.count() == 1
    assert marked(dovecot, account) == {1: False}

    monkeypatch.undo()
    report = poller.poll_mailbox(mailbox)
    assert dict(report.results) == {"duplicate": 1}
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert RawInput.objects.count() == 1
    assert marked(dovecot, account) == {1: True}


def test_a_message_the_adapter_cannot_read_is_kept_in_quarantine_and_marked(
    world: World, dovecot: Dovecot, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    dovecot.append(account, raw_mail())
    mailbox = mailbox_for(dovecot, account)

    def crash(raw: bytes, **kwargs: Any) -> None:
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(delivery, "to_inbound", crash)
    assert dict(poller.poll_mailbox(mailbox).results) == {"quarantined": 1}
    assert "adapter bug" in RawInput.objects.get().reason
    assert marked(dovecot, account) == {1: True}  # it is the desk's now: in quarantine
    monkeypatch.undo()
    assert intake.retry(RawInput.objects.get().pk).result == "created"


def test_a_message_read_by_a_person_is_still_polled(
    world: World, dovecot: Dovecot, account: Account
) -> None:
    """The desk's own keyword, not the read flag, says what it has stored."""
    dovecot.append(account, raw_mail())
    with dovecot.client(account) as imap:
        imap.uid("STORE", "1", "+FLAGS", "(\\Seen)")
    assert dict(poller.poll_mailbox(mailbox_for(dovecot, account)).results) == {"created": 1}


@pytest.mark.parametrize("folder", ["Zayavka/Processed", "Заявки/Обработано"])
def test_stored_messages_can_be_moved_to_a_folder_created_if_missing(
    world: World, dovecot: Dovecot, account: Account, folder: str
) -> None:
    dovecot.append(account, raw_mail(), raw_mail(message_id="<m2@mail.romashka.ru>"))
    mailbox = mailbox_for(
        dovecot, account, after_stored=Mailbox.AfterStored.MOVE, processed_folder=folder
    )

    assert dict(poller.poll_mailbox(mailbox).results) == {"created": 2}

    assert dovecot.uids(account) == []
    encoded = poller._mailbox_name(folder, "/").strip('"')
    assert encoded in dovecot.folders(account)
    assert len(dovecot.uids(account, folder=encoded)) == 2
    # The folder exists now; polling again does not trip over it.
    assert poller.poll_mailbox(mailbox).found == 0


def test_moving_stored_messages_into_the_polled_folder_itself_is_refused(
    world: World, dovecot: Dovecot, account: Account
) -> None:
    fields = {"after_stored": Mailbox.AfterStored.MOVE, "processed_folder": "INBOX"}
    with pytest.raises(ValidationError) as info:
        mailbox_for(dovecot, account, **fields)
    assert "processed_folder" in info.value.message_dict
    dovecot.append(account, raw_mail())
    mailbox = Mailbox.objects.create(**{**mailbox_fields(dovecot, account), **fields})
    with pytest.raises(poller.MailboxError, match="must be another folder"):
        poller.poll_mailbox(mailbox)
    assert not RawInput.objects.exists()


def test_a_message_over_the_size_limit_stays_on_the_server_and_is_reported(
    world: World, dovecot: Dovecot, account: Account, settings: Any
) -> None:
    settings.ZAYAVKA_IMAP_MAX_BYTES = 2000
    dovecot.append(
        account,
        raw_mail("Длинное письмо.\n" * 300, message_id="<big@mail.romashka.ru>"),
        raw_mail(message_id="<small@mail.romashka.ru>"),
    )
    mailbox = mailbox_for(dovecot, account)

    report = poller.poll_mailbox(mailbox)

    assert (dict(report.results), report.too_large) == ({"created": 1}, [1])
    assert marked(dovecot, account) == {1: False, 2: True}
    mailbox.refresh_from_db()
    assert "over 2000 bytes" in mailbox.last_error and "UID 1" in mailbox.last_error


# --- connections --------------------------------------------------------------------------


@pytest.mark.parametrize("security", [Mailbox.Security.SSL, Mailbox.Security.STARTTLS])
def test_tls_and_starttls_with_the_servers_own_ca_file(
    world: World, dovecot: Dovecot, account: Account, security: str
) -> None:
    dovecot.append(account, raw_mail())
    port = dovecot.imaps_port if security == Mailbox.Security.SSL else dovecot.imap_port
    mailbox = mailbox_for(
        dovecot, account, security=security, port=port, ca_file=str(dovecot.ca_file)
    )
    assert dict(poller.poll_mailbox(mailbox).results) == {"created": 1}


@pytest.mark.parametrize("security", [Mailbox.Security.SSL, Mailbox.Security.STARTTLS])
def test_a_self_signed_certificate_is_refused_without_its_ca_file(
    world: World, dovecot: Dovecot, account: Account, security: str
) -> None:
    dovecot.append(account, raw_mail())
    port = dovecot.imaps_port if security == Mailbox.Security.SSL else dovecot.imap_port
    mailbox = mailbox_for(dovecot, account, security=security, port=port)
    with pytest.raises(poller.MailboxError, match="certificate not trusted"):
        poller.poll_mailbox(mailbox)
    assert not RawInput.objects.exists()
    assert marked(dovecot, account) == {1: False}


def test_no_tls_is_refused_for_any_host_but_this_machine() -> None:
    mailbox = Mailbox(
        name="support",
        host="imap.example.com",
        port=143,
        security=Mailbox.Security.PLAIN,
        username="support",
        password="secret",
    )
    with pytest.raises(ValidationError) as info:
        mailbox.full_clean()
    assert "security" in info.value.message_dict
    mailbox.save()  # as if configured before the check, or by a script
    with pytest.raises(poller.MailboxError, match=r"refused: no TLS to imap\.example\.com"):
        poller.poll_mailbox(mailbox)  # refused before any connection is made
    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("refused")
    assert [is_loopback(h) for h in ("127.0.0.1", "127.5.0.1", "::1", "localhost")] == [True] * 4
    assert [is_loopback(h) for h in ("10.0.0.1", "imap.example.com", "localhost.evil")] == [
        False
    ] * 3


def test_a_server_that_is_down_gives_a_recorded_error(world: World) -> None:
    mailbox = Mailbox.objects.create(
        name="down", host="127.0.0.1", port=free_port(), security="plain", username="u",
        password="p",
    )  # fmt: skip
    with pytest.raises(poller.MailboxError, match=r"connecting to 127\.0\.0\.1") as info:
        poller.poll_mailbox(mailbox)
    assert "refused" in str(info.value).lower()
    mailbox.refresh_from_db()
    assert mailbox.last_error == str(info.value) and mailbox.last_poll_at is not None


def test_a_server_that_does_not_answer_times_out(world: World, settings: Any) -> None:
    settings.ZAYAVKA_IMAP_TIMEOUT = 1
    with socket.socket() as silent:  # accepts connections (the backlog), says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mailbox = Mailbox.objects.create(
            name="silent", host="127.0.0.1", port=silent.getsockname()[1], security="plain",
            username="u", password="p",
        )  # fmt: skip
        started = time.monotonic()
        with pytest.raises(poller.MailboxError, match="timed out"):
            poller.poll_mailbox(mailbox)
    assert time.monotonic() - started < 10


def test_a_wrong_password_is_a_clear_error_that_does_not_show_the_password(
    world: World, dovecot: Dovecot, account: Account
) -> None:
    mailbox = mailbox_for(dovecot, account, password="wrong-Pa55word")
    with pytest.raises(poller.MailboxError, match="logging in") as info:
        poller.poll_mailbox(mailbox)
    assert account.user in str(info.value) and "wrong-Pa55word" not in str(info.value)


def test_every_active_mailbox_is_polled_and_one_failing_does_not_stop_the_others(
    world: World, dovecot: Dovecot
) -> None:
    first, second, idle = dovecot.account(), dovecot.account(), dovecot.account()
    dovecot.append(first, raw_mail(message_id="<a@mail.romashka.ru>"))
    dovecot.append(second, raw_mail(message_id="<b@mail.romashka.ru>"))
    dovecot.append(idle, raw_mail(message_id="<c@mail.romashka.ru>"))
    mailbox_for(dovecot, first, name="a")
    mailbox_for(dovecot, second, name="c")
    mailbox_for(dovecot, idle, name="d", is_active=False)
    Mailbox.objects.create(
        name="b", host="127.0.0.1", port=free_port(), security="plain", username="u",
        password="p",
    )  # fmt: skip

    reports = {r.mailbox: r for r in poller.poll_all()}

    assert set(reports) == {"a", "b", "c"}
    assert reports["b"].error.startswith("connecting to")
    assert reports["a"].stored == reports["c"].stored == 1
    assert set(RawInput.objects.values_list("external_id", flat=True)) == {
        "a@mail.romashka.ru",
        "b@mail.romashka.ru",
    }


def test_a_mailbox_is_polled_once_per_interval(
    world: World, dovecot: Dovecot, account: Account
) -> None:
    mailbox = mailbox_for(dovecot, account, poll_interval=300)
    assert [r.mailbox for r in poller.poll_due()] == [mailbox.name]
    assert poller.poll_due() == []  # claimed for the next 300 s
    Mailbox.objects.filter(pk=mailbox.pk).update(next_poll_at=None)
    assert len(poller.poll_due()) == 1


# --- the command and the admin --------------------------------------------------------


def test_mail_poll_prints_a_line_per_mailbox_and_fails_when_one_fails(
    world: World, dovecot: Dovecot, account: Account
) -> None:
    dovecot.append(account, raw_mail())
    mailbox_for(dovecot, account, name="support")
    out = io.StringIO()
    call_command("mail", "poll", "--mailbox", "support", stdout=out)
    line = json.loads(out.getvalue())
    assert line == {
        "mailbox": "support",
        "found": 1,
        "stored": 1,
        "results": {"created": 1},
        "too_large": 0,
        "error": "",
    }
    Mailbox.objects.create(
        name="down", host="127.0.0.1", port=free_port(), security="plain", username="u",
        password="p",
    )  # fmt: skip
    with pytest.raises(CommandError, match="could not poll: down"):
        call_command("mail", "poll", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no such mailbox: nope"):
        call_command("mail", "poll", "--mailbox", "nope", stdout=io.StringIO())


def test_the_admin_form_never_shows_the_password_and_keeps_it_when_left_empty() -> None:
    mailbox = Mailbox.objects.create(
        name="support", host="imap.example.com", username="support", password="s3cret-Pw"
    )
    form = MailboxForm(instance=mailbox)
    assert "s3cret-Pw" not in str(form)
    data = {
        "name": "support", "is_active": "on", "poll_interval": "60",
        "host": "imap.example.com", "port": "993", "security": "ssl", "ca_file": "",
        "username": "support", "password": "", "folder": "INBOX", "after_stored": "flag",
        "processed_folder": "Zayavka/Processed",
    }  # fmt: skip
    form = MailboxForm(data, instance=mailbox)
    assert form.is_valid(), form.errors
    form.save()
    mailbox.refresh_from_db()
    assert mailbox.password == "s3cret-Pw"
    assert not MailboxForm({**data, "name": "new"}).is_valid()  # a new one needs it
    form = MailboxForm({**data, "security": "plain"}, instance=mailbox)
    assert not form.is_valid() and "security" in form.errors


# --- SIGKILL in the middle of 500 messages --------------------------------------------

PEOPLE = [
    ("Олег Смирнов", "o.smirnov@romashka.ru"),
    ("Мария Кузнецова", "m.kuznetsova@romashka.ru"),
    ("Ivan Petrov", "ivan@veter.example"),
    ("Jane Doe", "jane@client.example"),
    ("Пётр Сидоров", "petr@prospect.example"),
]
SUBJECTS = [
    ("Не открывается сайт", "Сайт не открывается с утра, ошибка 502."),
    ("Printer is offline", "The printer on the 2nd floor says offline again."),
    ("Счёт за ноябрь", "Пришлите, пожалуйста, счёт и акт за ноябрь."),
    ("VPN drops every hour", "Our VPN connection drops every hour since Monday."),
    ("Ошибка 1С при проведении", "При проведении документа 1С пишет «нет прав»."),
]


def varied_messages(count: int) -> list[tuple[str, bytes]]:
    """(Message-ID, raw) in arrival order: Russian and English, plain, HTML, windows-1251
    and attachments; every fifth a reply from the same person to an earlier one."""
    out: list[tuple[str, bytes]] = []
    originals: list[tuple[str, str, str, str]] = []  # message id, name, email, subject
    start = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    for i in range(count):
        msg = EmailMessage()
        message_id = f"kill-{i}@mail.test"
        msg["Message-ID"] = f"<{message_id}>"
        msg["To"] = "support@desk.example"
        msg["Date"] = format_datetime(start + timedelta(minutes=i))
        if i % 5 == 4 and originals:
            parent, name, email, subject = originals[(i * 7) % len(originals)]
            msg["From"] = f"{name} <{email}>"
            msg["Subject"] = f"Re: {subject}"
            msg["In-Reply-To"] = f"<{parent}>"
            msg["References"] = f"<{parent}>"
            msg.set_content(f"Дополнение {i}: всё ещё не работает.\n\n> {subject}\n")
        else:
            name, email = PEOPLE[i % len(PEOPLE)]
            subject, body = SUBJECTS[i % len(SUBJECTS)]
            subject = f"{subject} #{i}"
            msg["From"] = f"{name} <{email}>"
            msg["Subject"] = subject
            charset = "windows-1251" if i % 7 == 3 and not subject.isascii() else "utf-8"
            msg.set_content(f"{body}\nЗаявка {i}.", charset=charset)
            if i % 6 == 1:
                msg.add_alternative(f"<p>{body}</p><p>Request {i}</p>", subtype="html")
            if i % 9 == 2:
                msg.add_attachment(
                    f"log line {i}\n".encode() * 20,
                    maintype="text",
                    subtype="plain",
                    filename=f"журнал-{i}.txt",
                )
            originals.append((message_id, name, email, subject))
        out.append((message_id, msg.as_bytes()))
    return out


DESK_SCRIPT = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zayavka.settings")
import django
django.setup()
from zayavka.channels.email.models import Mailbox
from zayavka.tickets.models import Message, RawInput, Ticket
action, arg = sys.argv[1], json.loads(sys.argv[2])
if action == "setup":
    from tests.factories import build_world
    build_world()
    Mailbox.objects.create(**arg)
else:
    inbound = Message.objects.filter(direction=Message.Direction.INBOUND)
    print(json.dumps({
        "raw": list(RawInput.objects.values_list("external_id", "state")),
        "messages": list(inbound.values_list("message_id", "ticket_id")),
        "tickets": Ticket.objects.count(),
        "error": list(Mailbox.objects.values_list("last_error", flat=True)),
    }))
"""


@pytest.fixture
def desk_env(tmp_path: Path) -> dict[str, str]:
    """A desk for the poller process: the PostgreSQL test database when the tests run
    on PostgreSQL, else an SQLite file of its own, copied from the migrated test one."""
    (tmp_path / "desk").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAYAVKA_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        ZAYAVKA_DATA_DIR=str(tmp_path / "desk"),
        ZAYAVKA_SECRET_KEY="imap-kill-test",
        ZAYAVKA_SQLITE_SYNCHRONOUS="NORMAL",
        ZAYAVKA_LOG_LEVEL="WARNING",
    )
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        env["ZAYAVKA_DATABASE_URL"] = (
            f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(tmp_path / "desk" / "zayavka.sqlite3")) as copy:
            connection.connection.backup(copy)
    return env


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode()


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_killing_the_poller_mid_run_loses_and_doubles_nothing(
    dovecot: Dovecot, account: Account, desk_env: dict[str, str], tmp_path: Path
) -> None:
    started = time.monotonic()
    processed = "Zayavka/Processed"
    setup = json.dumps({
        "name": "support", "host": "127.0.0.1", "port": dovecot.imap_port,
        "security": "plain", "username": account.user, "password": account.password,
        "after_stored": "move", "processed_folder": processed, "poll_interval": 1,
    })  # fmt: skip
    with subprocess.Popen(  # the desk is set up while the mail arrives
        [sys.executable, "-c", DESK_SCRIPT, "setup", setup],
        cwd=ROOT,
        env=desk_env,
        stderr=subprocess.PIPE,
    ) as desk:
        messages = varied_messages(500)
        dovecot.append(account, *(raw for _, raw in messages))
        _, errors = desk.communicate(timeout=120)
    assert desk.returncode == 0, errors.decode(errors="replace")
    phases = [f"set up {time.monotonic() - started:.1f} s"]
    command = [sys.executable, "-m", "zayavka.cli", "mail", "poll", "--forever"]

    def moved() -> int:
        return len(dovecot.uids(account, folder=processed))

    def start(log: str) -> subprocess.Popen[bytes]:
        with (tmp_path / log).open("wb") as errors:
            return subprocess.Popen(command, cwd=ROOT, env=desk_env, stderr=errors)

    first = start("first.log")
    try:
        wait_for(lambda: moved() >= 60, 60, "the first messages")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    at_kill = moved()
    phases.append(f"killed after {at_kill} at {time.monotonic() - started:.1f} s")
    assert 60 <= at_kill < 500, "killed too late to test anything"

    second = start("second.log")
    try:
        wait_for(lambda: not dovecot.uids(account), 90, "the mailbox to be drained")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, (tmp_path / "second.log").read_text()
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()

    phases.append(f"drained at {time.monotonic() - started:.1f} s")
    desk = json.loads(run(desk_env, "-c", DESK_SCRIPT, "report", "{}"))
    ids = sorted(mid for mid, _ in messages)
    assert sorted(eid for eid, _ in desk["raw"]) == ids
    assert {state for _, state in desk["raw"]} == {"processed"}
    assert sorted(mid for mid, _ in desk["messages"]) == ids
    originals = [mid for mid, raw in messages if b"In-Reply-To" not in raw]
    assert desk["tickets"] == len(originals)
    ticket_of = dict(desk["messages"])
    for mid, raw in messages:
        if b"In-Reply-To" in raw:
            parent = raw.split(b"In-Reply-To: <", 1)[1].split(b">", 1)[0].decode()
            assert ticket_of[mid] == ticket_of[parent], f"{mid} not threaded to {parent}"
    assert desk["error"] == [""]
    assert moved() == 500
    phases.append(f"checked at {time.monotonic() - started:.1f} s")
    print("SIGKILL test:", ", ".join(phases))
