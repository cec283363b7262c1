"""The desk decides on portal users' requests to join an organization (R19)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ContactFactory
from tests.personas import Agents
from zayavka.accounts.models import Contact, User
from zayavka.portal.models import JoinRequest

pytestmark = pytest.mark.django_db

JOINS = "/desk/joins/"


@pytest.fixture
def waiting(agents: Agents) -> JoinRequest:
    """Irina signed up with a Romashka address and waits to see her company's requests."""
    user = User.objects.create_user("irina@romashka.ru", "irina@romashka.ru", "x")
    contact = ContactFactory.create(name="Ирина Новикова", email="irina@romashka.ru", user=user)
    return JoinRequest.objects.create(
        contact=contact, organization=agents.world.romashka, via=JoinRequest.Via.EMAIL_DOMAIN
    )


def decide(client: Client, item: JoinRequest, decision: str) -> int:
    return client.post(f"/desk/joins/{item.pk}/decide/", {"decision": decision}).status_code


def test_an_agent_sees_the_waiting_requests_from_the_menu(
    client: Client, agents: Agents, waiting: JoinRequest
) -> None:
    client.force_login(agents.anna)
    assert f'href="{JOINS}"' in client.get("/desk/q/mine/").content.decode()
    page = client.get(JOINS).content.decode()
    assert "Ирина Новикова" in page and "irina@romashka.ru" in page
    assert "ООО «Ромашка»" in page and "Email domain" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_an_agent_approves_and_the_contact_joins_the_company(
    client: Client, agents: Agents, waiting: JoinRequest
) -> None:
    client.force_login(agents.anna)
    assert decide(client, waiting, "approve") == 302
    assert Contact.objects.get(pk=waiting.contact_id).organization == agents.world.romashka
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decided_by) == ("approved", agents.anna)
    page = client.get(JOINS).content.decode()
    assert "Ирина Новикова joined ООО «Ромашка»." in page
    assert "No requests are waiting." in page
    assert decide(client, waiting, "reject") == 404  # decided already


def test_an_agent_rejects_and_the_contact_stays_out(
    client: Client, agents: Agents, waiting: JoinRequest
) -> None:
    client.force_login(agents.anna)
    assert decide(client, waiting, "reject") == 302
    assert Contact.objects.get(pk=waiting.contact_id).organization is None
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decided_by) == ("rejected", agents.anna)


def test_a_decision_must_be_one_of_the_two(
    client: Client, agents: Agents, waiting: JoinRequest
) -> None:
    client.force_login(agents.anna)
    assert decide(client, waiting, "maybe") == 400
    assert client.get(f"/desk/joins/{waiting.pk}/decide/").status_code == 405
    waiting.refresh_from_db()
    assert waiting.state == "pending"


def test_customers_and_visitors_are_refused(
    client: Client, agents: Agents, waiting: JoinRequest
) -> None:
    for url in (JOINS, f"/desk/joins/{waiting.pk}/decide/"):
        page = client.post(url, {"decision": "approve"})
        assert page.status_code == 302 and page["Location"].startswith("/desk/login/"), url
    client.force_login(agents.oleg)  # a customer with a portal account
    assert client.get(JOINS).status_code == 403
    assert decide(client, waiting, "approve") == 403
    assert Contact.objects.get(pk=waiting.contact_id).organization is None
