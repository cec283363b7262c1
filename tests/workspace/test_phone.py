"""A ticket from a phone call (R7): the agent finds the caller, writes down the request,
and the ticket goes through intake like any other — but stays unverified (R27). The
channel itself (finding callers, the raw call and its replay) is tested in
tests/channels/phone/."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.personas import Agents
from zayavka.accounts.models import Channel, Contact
from zayavka.tickets.models import (
    CategoryField,
    EventKind,
    Outbox,
    RawInput,
    Ticket,
    Verification,
)

pytestmark = pytest.mark.django_db


def call(agents: Agents, **overrides: Any) -> dict[str, Any]:
    data = {
        "token": "tok-1",
        "contact": str(agents.world.oleg.pk),
        "subject": "Упал сайт",
        "description": "Звонит Олег: romashka-shop.ru не открывается.",
        "category": str(agents.world.category.pk),
        "urgency": "high",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def site_form(agents: Agents) -> None:
    CategoryField.objects.create(
        category=agents.world.category,
        key="site_domain",
        label_ru="Адрес сайта",
        label_en="Site address",
        required=True,
    )
    CategoryField.objects.create(
        category=agents.world.category,
        key="browser",
        label_ru="Браузер",
        label_en="Browser",
        kind=CategoryField.Kind.CHOICE,
        choices=["Chrome", "Firefox"],
    )


# --- Finding the caller -------------------------------------------------------------------


def test_the_live_search_lists_callers_with_their_organization(
    agents: Agents, client: Client
) -> None:
    client.force_login(agents.anna)
    response = client.get("/desk/new/phone/callers/", {"q": "921 555"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Олег Смирнов" in html and "ООО «Ромашка»" in html
    assert f'value="{agents.world.oleg.pk}"' in html


def test_only_agents_take_calls(agents: Agents, client: Client) -> None:
    client.force_login(agents.oleg)
    assert client.get("/desk/new/phone/").status_code == 403
    assert client.post("/desk/new/phone/", call(agents)).status_code == 403


# --- Registering the ticket ---------------------------------------------------------------


def test_a_known_caller_gets_a_phone_ticket_that_is_not_verified(
    agents: Agents, client: Client
) -> None:
    client.force_login(agents.anna)
    response = client.post("/desk/new/phone/", call(agents))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/t/{ticket.number}/"
    assert ticket.channel == Channel.PHONE
    assert ticket.verification == Verification.NONE
    assert ticket.requester == agents.world.oleg
    assert ticket.organization == agents.world.romashka
    assert ticket.contract == agents.world.romashka_contract
    assert ticket.category == agents.world.category
    assert ticket.team == agents.world.team
    assert ticket.urgency == "high"
    message = ticket.messages.get()
    assert message.channel == Channel.PHONE
    assert message.text == "Звонит Олег: romashka-shop.ru не открывается."
    assert message.meta["recorded_by"] == agents.anna.pk
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.data["verification"] == Verification.NONE
    notice = Outbox.objects.get(template="ticket_created")
    assert notice.recipient == "o.smirnov@romashka.ru"

    html = client.get(response["Location"]).content.decode()
    assert "The requester is not verified." in html
    assert "Phone" in html
    assert "recorded by Anna" in html


def test_a_new_caller_becomes_a_contact_of_the_chosen_organization(
    agents: Agents, client: Client
) -> None:
    client.force_login(agents.anna)
    data = call(
        agents,
        contact="",
        new_name="Пётр Иванов",
        new_phone="+7 (903) 111-22-33",
        new_email="p.ivanov@veter.example",
        new_organization=str(agents.world.veter.pk),
        category="",
    )
    assert client.post("/desk/new/phone/", data).status_code == 302
    ticket = Ticket.objects.select_related("requester").get()
    assert ticket.requester.name == "Пётр Иванов"
    assert ticket.organization == agents.world.veter
    assert ticket.contract == agents.world.veter_contract
    assert ticket.verification == Verification.NONE
    keys = set(ticket.requester.addresses.values_list("kind", "key"))
    assert keys == {("phone", "79031112233"), ("email", "p.ivanov@veter.example")}


def test_a_new_caller_with_a_known_number_must_be_picked_instead(
    agents: Agents, client: Client
) -> None:
    client.force_login(agents.anna)
    data = call(agents, contact="", new_name="Олег", new_phone="89215550111")
    response = client.post("/desk/new/phone/", data)
    assert response.status_code == 400
    assert "belongs to Олег Смирнов" in response.content.decode()
    assert not Ticket.objects.exists()
    assert Contact.objects.filter(name="Олег").count() == 0


def test_a_new_caller_needs_a_name_and_a_phone(agents: Agents, client: Client) -> None:
    client.force_login(agents.anna)
    response = client.post("/desk/new/phone/", call(agents, contact=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "give the new one&#x27;s name" in html
    assert "Give the caller&#x27;s phone number." in html
    assert not Ticket.objects.exists()


def test_the_category_form_is_checked(agents: Agents, client: Client, site_form: None) -> None:
    client.force_login(agents.anna)
    response = client.post("/desk/new/phone/", call(agents, **{"field-browser": "Opera"}))
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html
    assert "Choose one of the offered values." in html
    assert not Ticket.objects.exists()

    data = call(agents, **{"field-site_domain": "romashka-shop.ru", "field-browser": "Firefox"})
    assert client.post("/desk/new/phone/", data).status_code == 302
    assert Ticket.objects.get().fields == {"site_domain": "romashka-shop.ru", "browser": "Firefox"}


def test_the_category_fields_come_with_the_category(
    agents: Agents, client: Client, site_form: None
) -> None:
    client.force_login(agents.anna)
    html = client.get("/desk/new/phone/fields/", {"category": agents.world.category.pk})
    assert 'name="field-site_domain"' in html.content.decode()
    assert "Site address *" in html.content.decode()
    empty = client.get("/desk/new/phone/fields/", {"category": ""}).content.decode()
    assert "field-" not in empty


def test_the_same_form_sent_twice_opens_one_ticket(agents: Agents, client: Client) -> None:
    client.force_login(agents.anna)
    first = client.post("/desk/new/phone/", call(agents))
    second = client.post("/desk/new/phone/", call(agents))
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert RawInput.objects.filter(channel=Channel.PHONE).count() == 1


def test_the_page_warns_that_phone_requests_are_not_enough_to_change_data(
    agents: Agents, client: Client
) -> None:
    client.force_login(agents.anna)
    html = client.get("/desk/new/phone/", {"q": "555-01-11"}).content.decode()
    assert "A caller is never verified" in html
    assert "Олег Смирнов" in html
    assert 'href="/desk/new/phone/"' in html  # in the navigation


def test_find_without_javascript_keeps_what_was_typed(
    agents: Agents, client: Client, site_form: None
) -> None:
    client.force_login(agents.anna)
    data = call(agents, contact="", q="555-01-11", find="1", **{"field-site_domain": "x.ru"})
    response = client.post("/desk/new/phone/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Олег Смирнов" in html
    assert 'value="Упал сайт"' in html and 'value="x.ru"' in html
    assert "This field is required." not in html
    assert not Ticket.objects.exists()
