"""The desk's reply and internal note (tickets/actions/messages.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from tests.personas import Agents, file_ticket
from zayavka.core.storage import read_blob
from zayavka.tickets import catalog, outbox
from zayavka.tickets.actions.messages import add_note, reply_to_requester
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import Message, Outbox, StatusCategory
from zayavka.tickets.uploads import Upload

pytestmark = pytest.mark.django_db


def test_a_reply_goes_to_the_requester_by_email_with_the_ticket_number(agents: Agents) -> None:
    ticket = file_ticket(agents.world, "Не открывается сайт")
    message = reply_to_requester(ticket, agents.anna, "Перезапустили nginx, проверьте.")
    assert (message.kind, message.direction, message.author_user) == ("reply", "out", agents.anna)
    row = Outbox.objects.get(template="agent_reply")
    assert row.recipient == "o.smirnov@romashka.ru"
    assert row.automatic is False and row.message == message
    outbox.deliver_due()
    sent = next(m for m in mail.outbox if m.to == ["o.smirnov@romashka.ru"])
    assert f"[#{ticket.display_number}]" in sent.subject
    assert "Не открывается сайт" in sent.subject
    assert "Перезапустили nginx, проверьте." in sent.body
    assert "Anna" in sent.body  # the agent signs it
    assert "Auto-Submitted" not in sent.extra_headers  # a person wrote it


def test_a_reply_is_sent_even_when_the_requesters_automatic_mail_cap_is_reached(
    agents: Agents, settings: Any
) -> None:
    settings.ZAYAVKA_AUTOMAIL_PER_HOUR = 1
    ticket = file_ticket(agents.world)
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED))  # a notice
    reply_to_requester(ticket, agents.anna, "Ещё одно уточнение")
    assert Outbox.objects.get(template="agent_reply").state == Outbox.State.PENDING


def test_the_reply_text_is_sent_as_written_not_html_escaped(agents: Agents) -> None:
    ticket = file_ticket(agents.world, "Ошибка <502> & таймаут")
    reply_to_requester(ticket, agents.anna, 'Откройте "Пуск" -> <Параметры> & ...')
    outbox.deliver_due()
    sent = mail.outbox[-1]
    assert 'Откройте "Пуск" -> <Параметры> & ...' in sent.body
    assert "Ошибка <502> & таймаут" in sent.subject


def test_a_replys_files_go_out_attached_to_the_email(agents: Agents) -> None:
    ticket = file_ticket(agents.world)
    upload = Upload("инструкция.pdf", "application/pdf", b"%PDF-1.4 instructions")
    reply_to_requester(ticket, agents.anna, "Инструкция во вложении.", [upload])
    outbox.deliver_due()
    sent = mail.outbox[-1]
    assert [(a.filename, a.content, a.mimetype) for a in sent.attachments] == [
        ("инструкция.pdf", b"%PDF-1.4 instructions", "application/pdf")
    ]


def test_a_reply_threads_under_the_requesters_last_message(agents: Agents) -> None:
    ticket = file_ticket(agents.world)
    Message.objects.filter(ticket=ticket).update(message_id="abc@client.example")
    reply_to_requester(ticket, agents.anna, "Ответ")
    outbox.deliver_due()
    assert mail.outbox[-1].extra_headers["In-Reply-To"] == "<abc@client.example>"


def test_a_reply_puts_a_new_ticket_in_progress_or_in_the_status_asked_for(agents: Agents) -> None:
    fresh = file_ticket(agents.world)
    reply_to_requester(fresh, agents.anna, "Смотрим")
    fresh.refresh_from_db()
    assert fresh.state == StatusCategory.OPEN
    assert fresh.first_responded_at is not None

    asked = file_ticket(agents.world)
    pending = catalog.status_for(StatusCategory.PENDING)
    reply_to_requester(asked, agents.anna, "Пришлите скриншот", then_status=pending)
    asked.refresh_from_db()
    assert asked.state == StatusCategory.PENDING


def test_a_note_stays_inside_the_desk(agents: Agents) -> None:
    ticket = file_ticket(agents.world)
    note = add_note(ticket, agents.anna, "Клиент звонил, просил перезвонить")
    assert note.kind == Message.Kind.NOTE
    assert not Outbox.objects.filter(template="agent_reply").exists()
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.NEW  # a note is no response to the requester
    assert ticket.first_responded_at is None


def test_files_are_stored_with_safe_names_and_types(agents: Agents) -> None:
    ticket = file_ticket(agents.world)
    message = add_note(
        ticket,
        agents.anna,
        "Логи",
        [
            Upload("../../etc/passwd", "text/plain; charset=utf-8", b"root:x"),
            Upload("C:\\Users\\a\\отчёт.pdf", "application/pdf", b"%PDF-1.4"),
            Upload("\x00.htaccess", "not a type", b"x"),
        ],
    )
    files = list(message.attachments.order_by("pk"))
    assert [(f.filename, f.content_type) for f in files] == [
        ("passwd", "text/plain"),
        ("отчёт.pdf", "application/pdf"),
        ("htaccess", "application/octet-stream"),
    ]
    assert read_blob(files[1].storage_key) == b"%PDF-1.4"
    event = ticket.events.filter(kind="message").last()
    assert event is not None and event.data["attachments"] == 3


@pytest.mark.parametrize(
    ("uploads", "problem"),
    [
        ([Upload(f"{i}.txt", "text/plain", b"x") for i in range(11)], "at most 10"),
        ([Upload("big.iso", "application/x-iso9660-image", b"x" * 2049)], "may be at most 2.0"),
    ],
)
def test_too_many_or_too_large_files_are_refused(
    agents: Agents, settings: Any, uploads: list[Upload], problem: str
) -> None:
    settings.ZAYAVKA_MAX_ATTACHMENT_BYTES = 2048
    ticket = file_ticket(agents.world)
    with pytest.raises(ValidationError) as refused:
        reply_to_requester(ticket, agents.anna, "Файлы", uploads)
    assert problem in " ".join(refused.value.messages)
    assert not ticket.messages.filter(direction="out").exists()


def test_empty_text_is_refused(agents: Agents) -> None:
    with pytest.raises(ValidationError):
        add_note(file_ticket(agents.world), agents.anna, "   ")


def test_only_agents_who_may_work_on_the_ticket_write_in_it(agents: Agents) -> None:
    secret = file_ticket(agents.world, team=agents.security)
    with pytest.raises(PermissionDenied):
        reply_to_requester(secret, agents.anna, "Я не из этой команды")
    with pytest.raises(PermissionDenied):
        add_note(secret, agents.oleg, "Я клиент")
    add_note(secret, agents.vera, "Я из команды")


def test_a_requester_without_email_gets_no_mail_but_the_reply_is_kept(agents: Agents) -> None:
    from tests.factories import ContactFactory

    caller = ContactFactory.create(name="Звонивший")
    ticket = file_ticket(agents.world, requester=caller, channel="phone")
    reply_to_requester(ticket, agents.anna, "Перезвоним")
    assert not Outbox.objects.filter(template="agent_reply").exists()
    assert ticket.messages.filter(direction="out", kind="reply").count() == 1
