"""A lost or expired confirmation email: the sign-up asks for a new link, and the page
says the same whether or not the address has an account waiting."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import AgentFactory, World
from tests.personas import Customers
from tests.portal.test_accounts import emailed_path, sign_up
from zayavka.accounts.models import User
from zayavka.tickets.models import Outbox

pytestmark = pytest.mark.django_db

RESEND = "/portal/confirm/resend/"
SAME_ANSWER = "we have sent it a new link"


def resend(client: Client, email: str) -> Any:
    return client.post(RESEND, {"email": email})


def confirmations(email: str) -> int:
    return Outbox.objects.filter(template="portal_confirm", recipient=email).count()


def test_the_sign_up_and_sign_in_pages_lead_to_it(client: Client, world: World) -> None:
    done = sign_up(client, "irina@tulpan.example").content.decode()
    assert RESEND in done
    assert RESEND in client.get("/portal/login/").content.decode()
    assert client.get(RESEND).status_code == 200


def test_a_new_link_is_sent_and_activates_the_account(client: Client, world: World) -> None:
    sign_up(client, "irina@tulpan.example")
    for _n in range(2):
        page = resend(client, "Irina@Tulpan.example")
        assert page.status_code == 200 and SAME_ANSWER in page.content.decode()
    assert confirmations("irina@tulpan.example") == 3  # a new email each time
    assert client.get(emailed_path("portal_confirm", "irina@tulpan.example")).status_code == 200
    assert User.objects.get(email="irina@tulpan.example").is_active


@pytest.mark.parametrize("email", ["nobody@nowhere.example", "o.smirnov@romashka.ru"])
def test_an_address_without_a_waiting_account_gets_the_same_answer_and_nothing(
    client: Client, customers: Customers, email: str
) -> None:
    page = resend(client, email)
    assert page.status_code == 200 and SAME_ANSWER in page.content.decode()
    assert not Outbox.objects.exists()


def test_a_switched_off_account_is_not_revived(client: Client, customers: Customers) -> None:
    """An administrator's deactivation is not an unconfirmed sign-up."""
    agent = User.objects.create_user("gone@desk.example", "gone@desk.example", "x")
    AgentFactory.create(user=agent)
    customers.irina.is_active = False
    customers.irina.save(update_fields=["is_active"])
    User.objects.filter(pk=agent.pk).update(is_active=False)
    for email in ("gone@desk.example", "i.belova@romashka.ru"):
        assert SAME_ANSWER in resend(client, email).content.decode()
    assert not Outbox.objects.exists()


def test_asking_again_and_again_is_rate_limited(
    client: Client, world: World, settings: Any
) -> None:
    settings.ZAYAVKA_WEBFORM_RATE_PER_EMAIL = 2
    sign_up(client, "irina@tulpan.example")
    assert [resend(client, "irina@tulpan.example").status_code for _n in range(3)] == [
        200,
        200,
        429,
    ]
    assert confirmations("irina@tulpan.example") == 3  # the sign-up's and two more
