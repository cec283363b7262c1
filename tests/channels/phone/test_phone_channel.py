"""The phone channel: the agent's search finds the caller by any spelling of their
number; the call is kept raw as JSON and read by one pure `parse`, on arrival and when a
quarantined call is replayed."""

from __future__ import annotations

import json

import pytest

from tests.factories import ticket_of
from tests.personas import Agents
from zayavka.accounts.models import Contact, ContactAddress
from zayavka.channels.phone import parse as phone
from zayavka.channels.phone.callers import find_callers
from zayavka.channels.phone.receive import Call, record_call
from zayavka.core.storage import read_blob
from zayavka.tickets.actions import intake
from zayavka.tickets.inbound import Sender
from zayavka.tickets.models import RawInput, Ticket, Verification

pytestmark = pytest.mark.django_db

RECORD = phone.CallRecord(
    recorded_by=7,
    recorded_by_name="Anna",
    sender=Sender(name="Олег Смирнов", email="o.smirnov@romashka.ru"),
    subject="Упал сайт",
    description="Звонит Олег: romashka-shop.ru не открывается.",
    category="site-down",
    fields={"site_domain": "romashka-shop.ru"},
    urgency="high",
)


@pytest.mark.parametrize(
    "query", ["8 (921) 555-01-11", "+7 921 555 01 11", "9215550111", "555-01-11"]
)
def test_a_caller_is_found_by_any_spelling_of_their_number(agents: Agents, query: str) -> None:
    assert find_callers(query) == [agents.world.oleg]


def test_a_caller_is_found_by_email_or_name(agents: Agents) -> None:
    assert find_callers("O.Smirnov@romashka") == [agents.world.oleg]
    assert find_callers("Олег") == [agents.world.oleg]
    assert find_callers("x") == []


def test_a_contact_without_email_or_phone_is_not_offered(agents: Agents) -> None:
    Contact.objects.create(name="Олег Без Адреса")
    assert find_callers("Олег") == [agents.world.oleg]


def test_a_call_is_kept_as_json_and_parsed_back_whole() -> None:
    raw = phone.raw_call(RECORD)
    assert json.loads(raw)["recorded_by"] == 7
    message = phone.parse(raw, "call:tok")
    assert (message.channel, message.external_id, message.raw) == ("phone", "call:tok", raw)
    assert message.sender == RECORD.sender and not message.sender.authenticated
    assert (message.subject, message.text) == (RECORD.subject, RECORD.description)
    assert (message.category, message.urgency) == ("site-down", "high")
    assert message.fields == {"site_domain": "romashka-shop.ru"}
    assert message.meta == {"recorded_by": 7, "recorded_by_name": "Anna"}
    with pytest.raises(ValueError):
        phone.parse(b'"a string"', "call:tok")


def test_the_app_registers_the_parser_with_intake() -> None:
    assert intake.RAW_PARSERS["phone"] is phone.parse


def test_a_contact_reachable_only_by_phone_can_call(agents: Agents) -> None:
    ivan = Contact.objects.create(name="Иван")
    ContactAddress.objects.create(contact=ivan, kind="phone", value="8 903 000-00-01")
    result = record_call(
        Call(subject="Вопрос", description="Как дела?"),
        agent=agents.anna,
        token="t-ivan",
        contact=ivan,
    )
    assert result.ticket_id is not None
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert ticket.requester == ivan
    assert ticket.verification == Verification.NONE


def test_a_quarantined_call_replays_to_the_same_ticket_data(agents: Agents) -> None:
    w = agents.world
    call = Call(
        subject="Упал сайт",
        description="Звонит Олег.",
        category=w.category,
        fields={"site_domain": "romashka-shop.ru"},
        urgency="high",
    )
    first = ticket_of(record_call(call, agent=agents.anna, token="t-1", contact=w.oleg))
    raw = RawInput.objects.get(ticket=first)
    # As if the channel had not read the call: no envelope, only the raw JSON.
    kept = intake.quarantine_raw("phone", "call:t-2", read_blob(raw.blob_key), "test")
    assert kept.raw_id is not None
    again = ticket_of(intake.retry(kept.raw_id))
    assert again.pk != first.pk
    for name in (
        "channel",
        "subject",
        "requester_id",
        "organization_id",
        "contract_id",
        "category_id",
        "urgency",
        "priority_id",
        "verification",
        "fields",
        "team_id",
    ):
        assert getattr(again, name) == getattr(first, name), name
    one, other = first.messages.get(), again.messages.get()
    assert (other.text, other.meta) == (one.text, one.meta)
    assert other.meta["recorded_by_name"] == agents.anna.display_name
