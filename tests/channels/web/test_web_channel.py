"""The web channel: the request form's input is kept raw as JSON and read by one pure
`parse`, on arrival and when a quarantined request is replayed; the portal's reply goes
to intake as an inbound message on the ticket."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import World, ticket_of
from tests.personas import Customers
from zayavka.accounts.models import Contact
from zayavka.channels.web import parse as web
from zayavka.channels.web.receive import file_request
from zayavka.channels.web.tokens import new_form_token
from zayavka.core.storage import read_blob
from zayavka.tickets.actions import intake
from zayavka.tickets.inbound import Sender
from zayavka.tickets.models import RawInput, Ticket, Verification

REQUEST = web.WebRequest(
    company="ООО «Тюльпан»",
    name="Анна Иванова",
    email="anna@tulpan.example",
    phone="+7 921 000-00-00",
    subject="Не открывается сайт",
    description="С утра ошибка 502.",
    urgency="high",
    category="site-down",
    answers={"site_url": "https://tulpan.example"},
)


def test_a_request_is_kept_as_json_and_parsed_back_whole() -> None:
    raw = web.raw_request(REQUEST)
    assert json.loads(raw)["fields"] == {"site_url": "https://tulpan.example"}
    message = web.parse(raw, "form:abc")
    assert (message.channel, message.external_id, message.raw) == ("web", "form:abc", raw)
    assert message.sender == Sender(
        email="anna@tulpan.example", name="Анна Иванова", organization="ООО «Тюльпан»"
    )
    assert (message.subject, message.text) == ("Не открывается сайт", "С утра ошибка 502.")
    assert (message.urgency, message.category) == ("high", "site-down")
    # The typed phone is an answer: it proves nothing, so it must not find a contact.
    assert message.fields == {
        "site_url": "https://tulpan.example",
        "company": "ООО «Тюльпан»",
        "phone": "+7 921 000-00-00",
    }
    assert not message.sender.phone


def test_only_a_signed_in_requester_is_authenticated() -> None:
    signed_in = replace(REQUEST, authenticated=True)
    assert web.parse(web.raw_request(signed_in), "form:x").sender.authenticated
    assert not web.parse(web.raw_request(REQUEST), "form:x").sender.authenticated
    # Anything but JSON true is not a proof.
    forged = json.dumps({**json.loads(web.raw_request(REQUEST)), "authenticated": "yes"})
    assert not web.parse(forged.encode(), "form:x").sender.authenticated


def test_raw_input_that_is_not_a_request_is_refused() -> None:
    with pytest.raises(ValueError):
        web.parse(b"[1, 2]", "form:x")
    with pytest.raises(ValueError):
        web.parse(b"not json", "form:x")


def test_the_portal_reply_is_an_authenticated_message_on_its_ticket() -> None:
    message = web.parse_reply(
        "Ошибка повторяется.",
        ticket_id=42,
        subject="Не открывается сайт",
        email="o.smirnov@romashka.ru",
        name="Олег Смирнов",
        external_id="reply:abc",
    )
    assert (message.channel, message.reply.ticket_id) == ("portal", 42)
    assert message.sender.authenticated and message.raw == "Ошибка повторяется.".encode()


def test_the_app_registers_the_parser_with_intake() -> None:
    assert intake.RAW_PARSERS["web"] is web.parse


def file(contact: Contact | None = None, **overrides: object) -> intake.IntakeResult:
    values: dict[str, object] = {
        "token": new_form_token(),
        "company": REQUEST.company,
        "name": REQUEST.name,
        "email": REQUEST.email,
        "phone": REQUEST.phone,
        "category": None,
        "urgency": "high",
        "subject": REQUEST.subject,
        "description": REQUEST.description,
        "answers": {"site_url": "https://tulpan.example"},
        "files": [],
        "contact": contact,
    }
    values.update(overrides)
    return file_request(**values)  # type: ignore[arg-type]


def replayed(ticket: Ticket) -> Ticket:
    """The ticket a copy of `ticket`'s raw input opens when it is replayed from quarantine
    through the channel's parser (no envelope: as if the channel could not read it)."""
    raw = RawInput.objects.get(ticket=ticket)
    kept = intake.quarantine_raw("web", "form:replayed", read_blob(raw.blob_key), "test")
    assert kept.raw_id is not None
    again = intake.retry(kept.raw_id)
    assert again.result == intake.Result.CREATED
    return ticket_of(again)


def same_data(one: Ticket, other: Ticket) -> None:
    fields = ("channel", "subject", "requester_id", "organization_id", "contract_id")
    more = ("category_id", "urgency", "priority_id", "verification", "fields", "team_id")
    for name in (*fields, *more):
        assert getattr(one, name) == getattr(other, name), name
    assert one.messages.get().text == other.messages.get().text


@pytest.mark.django_db
def test_a_quarantined_request_replays_to_the_same_ticket_data(world: World) -> None:
    first = ticket_of(file(category=world.category, email="o.new@romashka.ru"))
    assert first.category == world.category and first.organization == world.romashka
    again = replayed(first)
    assert again.pk != first.pk
    same_data(first, again)
    assert again.verification == Verification.NONE


@pytest.mark.django_db
def test_a_signed_in_requesters_request_replays_authenticated(customers: Customers) -> None:
    oleg = customers.world.oleg
    first = ticket_of(file(contact=oleg, email="someone.else@example.org"))
    assert (first.requester, first.verification) == (oleg, Verification.AUTHENTICATED)
    same_data(first, replayed(first))


@pytest.mark.django_db
def test_files_come_with_the_request_and_the_same_form_files_once(world: World) -> None:
    token = new_form_token()
    shot = SimpleUploadedFile("../screen.png", b"\x89PNG small", content_type="image/png")
    first = file(token=token, files=[shot])
    assert ticket_of(first).attachments.get().filename == "screen.png"
    second = file(token=token, subject="Другой текст")
    assert second.result == intake.Result.DUPLICATE
    assert second.ticket_id == first.ticket_id and Ticket.objects.count() == 1
