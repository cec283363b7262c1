"""Intake as the channels see it: one input in, one ticket or reply out, nothing lost."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from tests.factories import World, inbound, ticket_of
from zayavka.accounts.models import Contact, ContactAddress
from zayavka.tickets import catalog
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.inbound import InboundAttachment, ReplyHints, Sender
from zayavka.tickets.models import (
    Attachment,
    EventKind,
    Message,
    Outbox,
    RawInput,
    StatusCategory,
    Ticket,
    TicketEvent,
    TicketLink,
    Verification,
)
from zayavka.tickets.outbox import deliver_due
from zayavka.tickets.threading import make_message_id

pytestmark = pytest.mark.django_db


def test_an_email_from_a_registered_contact_opens_a_numbered_ticket_for_their_contract(
    world: World,
) -> None:
    result = intake.receive(inbound("Магазин отдаёт 502", email="O.Smirnov@Romashka.ru"))

    assert result.result == "created"
    ticket = ticket_of(result)
    assert ticket.number == result.ticket_number
    assert ticket.number >= 10001
    assert ticket.requester == world.oleg
    assert (ticket.organization, ticket.contract) == (world.romashka, world.romashka_contract)
    assert ticket.identified_by == "contact"
    assert ticket.status.slug == "new" and ticket.state == StatusCategory.NEW
    assert ticket.priority.slug == "normal"
    assert ticket.verification == Verification.ADDRESS
    assert list(ticket.messages.values_list("text", flat=True)) == ["Магазин отдаёт 502"]
    assert set(ticket.events.values_list("kind", flat=True)) == {"created", "message"}
    ack = Outbox.objects.get(ticket=ticket, template="ticket_created")
    assert ack.recipient == "o.smirnov@romashka.ru"


def test_ticket_numbers_are_sequential_and_follow_the_configured_format(
    world: World, settings: Any
) -> None:
    settings.ZAYAVKA_TICKET_NUMBER_FORMAT = "ZV-{number:06d}"
    first = ticket_of(intake.receive(inbound("1", external_id="a")))
    second = ticket_of(intake.receive(inbound("2", external_id="b")))
    assert second.number == first.number + 1
    assert second.display_number == f"ZV-{second.number:06d}"
    assert len(first.key) >= 24 and first.key != second.key


def test_the_same_input_twice_gives_one_ticket(world: World) -> None:
    message = inbound("Повтор", external_id="<abc@mail.example>")
    first = intake.receive(message)
    second = intake.receive(message)
    assert (first.result, second.result) == ("created", "duplicate")
    assert second.ticket_number == first.ticket_number
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert RawInput.objects.count() == 1 and Outbox.objects.count() == 1


def test_an_input_without_external_id_is_deduped_by_its_bytes(world: World) -> None:
    intake.receive(inbound("Без идентификатора", raw=b"same bytes"))
    again = intake.receive(inbound("Без идентификатора", raw=b"same bytes"))
    assert again.result == "duplicate"
    assert Ticket.objects.count() == 1


def test_an_unknown_sender_from_a_client_domain_joins_that_client(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="new.person@romashka.ru")))
    assert ticket.organization == world.romashka
    assert ticket.identified_by == "email_domain"
    assert ticket.requester.organization == world.romashka
    assert ticket.verification == Verification.NONE
    assert ticket.priority.slug == "normal"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Договор № Д-2024/117, не работает 1С", "contract_number"),
        ("Сайт https://www.romashka-shop.ru/catalog не открывается", "site_domain"),
        ("Оплатили счёт СЧ-2024-117, а доступ не включили", "account_number"),
    ],
)
def test_an_unknown_sender_is_identified_by_what_the_text_quotes(
    world: World, text: str, key: str
) -> None:
    ticket = ticket_of(intake.receive(inbound(text, email="director@gmail.com")))
    assert ticket.organization == world.romashka
    assert ticket.contract == world.romashka_contract
    assert ticket.identified_by == key
    # Quoting a contract number does not make a stranger one of the client's people.
    assert ticket.requester.organization is None


def test_form_fields_identify_the_client_too(world: World) -> None:
    message = inbound(
        "Сайт лежит",
        email="x@yandex.ru",
        channel="web",
        fields={"contract_or_domain": "КС-24/7-005"},
    )
    ticket = ticket_of(intake.receive(message))
    assert (ticket.organization, ticket.contract) == (world.veter, world.veter_contract)


def test_clients_get_higher_priority_than_prospects_and_unknown_requesters(world: World) -> None:
    client = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    unknown = ticket_of(intake.receive(inbound(email="anon@mail.ru", external_id="2")))
    prospect_contact = Contact.objects.create(name="Петров", organization=world.prospect)
    ContactAddress.objects.create(contact=prospect_contact, kind="email", value="p@petrov.ru")
    prospect = ticket_of(intake.receive(inbound(email="p@petrov.ru", external_id="3")))
    assert client.priority.rank > prospect.priority.rank
    assert prospect.priority == unknown.priority
    assert unknown.requester.organization is None  # still filed: R21


def test_a_clients_critical_request_is_urgent(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", urgency="critical")))
    assert ticket.priority.slug == "urgent"
    assert ticket.urgency == "critical"


def test_a_caller_is_recognised_by_phone_in_any_notation(world: World) -> None:
    message = inbound("Звонок", channel="phone", sender=Sender(phone="+7 921 555 01 11"))
    ticket = ticket_of(intake.receive(message))
    assert ticket.requester == world.oleg


def test_a_telegram_user_is_recognised_by_their_id(world: World) -> None:
    message = inbound(
        "Из бота", channel="telegram", sender=Sender(telegram_id="100200300", authenticated=True)
    )
    ticket = ticket_of(intake.receive(message))
    assert ticket.requester == world.oleg
    assert ticket.verification == Verification.AUTHENTICATED


def test_a_reply_to_our_email_lands_in_its_ticket(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    reply = inbound(
        "Ещё деталь",
        email="o.smirnov@romashka.ru",
        subject="Re: ...",
        external_id="2",
        reply=ReplyHints(message_ids=(make_message_id(ticket.number),)),
    )
    result = intake.receive(reply)
    assert result.result == "appended" and result.ticket_id == ticket.pk
    assert ticket.messages.count() == 2


def test_a_forged_message_id_does_not_thread(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    forged = f"zv.{ticket.number}.abcdef.0123456789abcdef@zayavka.localhost"
    result = intake.receive(
        inbound(
            "x",
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(message_ids=(forged,)),
        )
    )
    assert result.result == "created"


def test_a_reply_quoting_an_inbound_message_id_threads(world: World) -> None:
    first = intake.receive(
        inbound(email="o.smirnov@romashka.ru", external_id="1", message_id="orig@romashka.ru")
    )
    reply = intake.receive(
        inbound(
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(message_ids=("orig@romashka.ru",)),
        )
    )
    assert reply.result == "appended" and reply.ticket_id == first.ticket_id


def test_a_follow_up_by_number_from_the_requester_lands_in_the_ticket(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    result = intake.receive(
        inbound(
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    assert result.ticket_id == ticket.pk


def test_a_stranger_quoting_a_ticket_number_gets_a_new_flagged_linked_ticket(
    world: World,
) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    result = intake.receive(
        inbound(
            "Я тоже",
            email="attacker@evil.example",
            external_id="2",
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    assert result.result == "created" and result.ticket_id != ticket.pk
    stranger = ticket_of(result)
    assert stranger.is_flagged
    assert TicketLink.objects.filter(source=stranger, target=ticket).exists()
    assert ticket.messages.count() == 1


def test_a_reply_to_a_resolved_ticket_reopens_it(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    change_status(ticket, catalog.status_for(StatusCategory.RESOLVED))
    intake.receive(
        inbound(
            "Снова не работает",
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    ticket.refresh_from_db()
    assert ticket.status.slug == "reopened" and ticket.state == StatusCategory.OPEN
    assert ticket.resolved_at is None
    assert ticket.events.filter(kind=EventKind.REOPENED).exists()


def test_the_requesters_answer_moves_a_waiting_ticket_back_to_work(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    change_status(ticket, catalog.status_for(StatusCategory.PENDING))
    intake.receive(
        inbound(
            "Ответ",
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.OPEN


def test_a_reply_to_a_closed_ticket_opens_a_new_one_linked_to_it(world: World) -> None:
    old = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    change_status(old, catalog.status_for(StatusCategory.CLOSED))
    result = intake.receive(
        inbound(
            email="o.smirnov@romashka.ru",
            external_id="2",
            reply=ReplyHints(ticket_number=old.number),
        )
    )
    assert result.result == "created"
    assert TicketLink.objects.filter(
        source_id=result.ticket_id, target=old, kind="follow_up"
    ).exists()


def test_machine_mail_never_opens_a_ticket_nor_gets_an_answer(world: World) -> None:
    result = intake.receive(
        inbound(
            "Я в отпуске", email="o.smirnov@romashka.ru", subject="Автоответ", auto_generated=True
        )
    )
    assert result.result == "ignored"
    assert not Ticket.objects.exists() and not Outbox.objects.exists()
    assert RawInput.objects.get().state == RawInput.State.IGNORED


def test_a_bounce_of_our_mail_becomes_a_system_note_without_status_change(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    bounce = inbound(
        "Delivery failed",
        email="mailer-daemon@romashka.ru",
        external_id="2",
        auto_generated=True,
        reply=ReplyHints(message_ids=(make_message_id(ticket.number),)),
        failed_recipients=("o.smirnov@romashka.ru",),  # a participant: our notice bounced
    )
    assert intake.receive(bounce).result == "appended"
    note = ticket.messages.get(kind=Message.Kind.SYSTEM)
    assert note.text == "Delivery failed"
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.NEW
    assert Outbox.objects.filter(ticket=ticket).count() == 1  # only the first ack


def test_attachments_are_stored_under_server_keys_with_the_name_kept_for_display(
    world: World,
) -> None:
    evil = InboundAttachment(
        filename="../../etc/passwd", content_type="text/plain", content=b"root:x:0:0"
    )
    ticket = ticket_of(intake.receive(inbound(attachments=(evil,))))
    att = Attachment.objects.get(ticket=ticket)
    assert att.filename == "../../etc/passwd"
    assert att.storage_key.startswith("attachments/") and ".." not in att.storage_key
    assert att.size == 10 and len(att.sha256) == 64
    from django.core.files.storage import default_storage

    with default_storage.open(att.storage_key) as fh:
        assert fh.read() == b"root:x:0:0"


def test_html_is_kept_only_after_sanitising(world: World) -> None:
    html = '<p onclick="x()">Привет<script>alert(1)</script><img src="http://t.example/p.gif"></p>'
    ticket = ticket_of(intake.receive(inbound(html=html)))
    stored = ticket.messages.get().html
    assert "Привет" in stored
    assert "script" not in stored and "onclick" not in stored and "t.example" not in stored


def test_a_failure_mid_way_leaves_nothing_half_written_and_quarantines_the_input(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(intake.notifications, "notify_ticket_created", broken)
    result = intake.receive(
        inbound("Важная заявка", external_id="<q@x>", email="new@client.example")
    )

    assert result.result == "quarantined" and "disk on fire" in result.reason
    assert not Ticket.objects.exists() and not Message.objects.exists()
    assert not TicketEvent.objects.exists() and not Outbox.objects.exists()
    assert not Contact.objects.filter(addresses__key="new@client.example").exists()
    raw = RawInput.objects.get()
    assert raw.state == RawInput.State.QUARANTINED and "disk on fire" in raw.reason

    monkeypatch.undo()
    replayed = intake.retry(raw.pk)
    assert replayed.result == "created"
    assert Ticket.objects.get().messages.get().text == "Важная заявка"
    again = intake.retry(raw.pk)
    assert again.result == "duplicate" and again.ticket_id == replayed.ticket_id
    assert Ticket.objects.count() == 1
    # The same input arriving again from its channel is a duplicate too.
    assert intake.receive(inbound("Важная заявка", external_id="<q@x>")).result == "duplicate"


def test_a_retry_that_fails_again_stays_in_quarantine_with_the_new_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("still broken")

    monkeypatch.setattr(intake.notifications, "notify_ticket_created", broken)
    raw_id = intake.receive(inbound()).raw_id
    assert raw_id is not None
    assert intake.retry(raw_id).result == "quarantined"
    raw = RawInput.objects.get(pk=raw_id)
    assert raw.attempts == 2 and raw.state == RawInput.State.QUARANTINED


def test_the_acknowledgement_goes_out_from_the_outbox_with_threading_headers(
    world: World,
) -> None:
    result = intake.receive(inbound(email="o.smirnov@romashka.ru", message_id="orig@romashka.ru"))
    assert mail.outbox == []  # nothing is sent inside the intake transaction
    assert deliver_due() == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["o.smirnov@romashka.ru"]
    assert f"[#{result.ticket_number}]" in sent.subject
    assert str(result.ticket_number) in sent.body
    assert sent.extra_headers["In-Reply-To"] == "<orig@romashka.ru>"
    assert sent.extra_headers["Auto-Submitted"] == "auto-replied"
    assert Outbox.objects.get().state == Outbox.State.SENT


def test_an_unverified_senders_acknowledgement_does_not_echo_their_text(world: World) -> None:
    intake.receive(inbound("Купите наши таблетки", subject="SPAM SPAM", email="x@spam.example"))
    ack = Outbox.objects.get()
    assert "subject" not in ack.context and not ack.context.get("name")


def test_machine_mail_naming_a_ticket_only_in_its_subject_is_not_attached(world: World) -> None:
    ticket = ticket_of(intake.receive(inbound(email="o.smirnov@romashka.ru", external_id="1")))
    result = intake.receive(
        inbound(
            "Out of office",
            email="robot@elsewhere.example",
            external_id="2",
            auto_generated=True,
            reply=ReplyHints(ticket_number=ticket.number),
        )
    )
    assert result.result == "ignored"
    assert ticket.messages.count() == 1
