"""The LMTP/SMTP listener as a real SMTP client (swaks) sees it: the ticket is there."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import World
from tests.servers import requires_server
from zayavka.channels.email.lmtp import MailListener
from zayavka.tickets.models import Attachment, RawInput, Ticket

# The listener's threads write: the test must see committed data. The serialized
# rollback restores the rows migrations seed (statuses, priorities).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SWAKS = shutil.which("swaks")
SUBJECT = "Не печатает принтер в бухгалтерии"
LOG = "Ошибка 0x3F: бумага не захвачена\n".encode() * 50
BODY = "Добрый день!\nПринтер HP в бухгалтерии печатает пустые листы. Журнал ошибок во вложении.\n"


@pytest.fixture(params=["lmtp", "smtp"])
def listener(request: pytest.FixtureRequest) -> Iterator[MailListener]:
    requires_server("swaks (SMTP test client)", SWAKS is not None, "apt-get install swaks")
    server = MailListener("127.0.0.1", 0, protocol=request.param, workers=2)
    server.start_in_thread()
    yield server
    server.stop_thread()


def swaks(listener: MailListener, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert SWAKS is not None
    body = tmp_path / "body.txt"
    body.write_text(BODY, encoding="utf-8")
    log = tmp_path / "printer.log"
    log.write_bytes(LOG)
    subject = "=?UTF-8?B?" + base64.b64encode(SUBJECT.encode()).decode() + "?="
    return subprocess.run(
        [
            SWAKS, "--server", "127.0.0.1", "--port", str(listener.port),
            "--protocol", listener.protocol.upper(),
            "--helo", "mx.romashka.ru",
            "--from", "o.smirnov@romashka.ru", "--to", "support@desk.example",
            "--header", f"Subject: {subject}",
            "--header", "From: =?UTF-8?B?"
            + base64.b64encode("Олег Смирнов".encode()).decode()
            + "?= <o.smirnov@romashka.ru>",
            "--header", "Message-ID: <swaks-1@mail.romashka.ru>",
            "--attach-type", "text/plain; charset=UTF-8", "--attach-body", f"@{body}",
            "--attach-type", "text/plain", "--attach-name", "printer.log", "--attach", f"@{log}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip


def test_a_russian_message_with_an_attachment_sent_by_swaks_opens_a_ticket(
    world: World, listener: MailListener, tmp_path: Path
) -> None:
    done = swaks(listener, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    ticket = Ticket.objects.get()
    assert f"250 2.0.0 Ok: created ticket {ticket.number}" in done.stdout
    assert ticket.subject == SUBJECT
    assert ticket.requester == world.oleg
    message = ticket.messages.get()
    assert "печатает пустые листы" in message.text
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.size) == ("printer.log", len(LOG))
    raw = RawInput.objects.get()
    assert raw.envelope["meta"]["envelope"]["mail_from"] == "o.smirnov@romashka.ru"
