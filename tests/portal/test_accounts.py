"""Client accounts: sign up, confirm by the emailed link, sign in, recover the password,
and join one's company only with a manager's or the desk's approval."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import World
from tests.personas import Customers
from zayavka.accounts.models import Contact, User
from zayavka.portal import emails, membership
from zayavka.portal.models import JoinRequest
from zayavka.tickets import outbox
from zayavka.tickets.models import Outbox

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


def sign_up(client: Client, email: str, **extra: Any) -> Any:
    return client.post(
        "/portal/signup/",
        {
            "name": "Ирина Новикова",
            "email": email,
            "phone": "",
            "contract_number": "",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            **extra,
        },
        follow=True,
    )


def emailed_path(template: str, recipient: str) -> str:
    """The link in the latest email of this template to the recipient, as the worker
    renders it: its path on this site."""
    row = Outbox.objects.filter(template=template, recipient=recipient).latest("pk")
    assert row.ticket_id is None
    mail.outbox.clear()
    outbox.send_email(row)
    (sent,) = mail.outbox
    found = re.search(rf"{re.escape(settings.SITE_URL)}(/\S+)", str(sent.body))
    assert found, sent.body
    return found.group(1)


def test_signing_up_sends_a_confirmation_link_that_activates_the_account(
    client: Client, world: World
) -> None:
    page = sign_up(client, "irina@tulpan.example")
    assert "We have sent a confirmation link to irina@tulpan.example" in page.content.decode()
    user = User.objects.get(email="irina@tulpan.example")
    assert not user.is_active
    assert not client.login(username="irina@tulpan.example", password=NEW_PASSWORD)

    assert client.get(emailed_path("portal_confirm", "irina@tulpan.example")).status_code == 200
    user.refresh_from_db()
    assert user.is_active
    contact = Contact.objects.get(user=user)
    assert contact.email == "irina@tulpan.example" and contact.name == "Ирина Новикова"
    signed_in = client.post(
        "/portal/login/",
        {"username": "Irina@Tulpan.example", "password": NEW_PASSWORD},
        follow=True,
    )
    assert signed_in.request["PATH_INFO"] == "/portal/"


def test_an_account_is_linked_to_the_contact_the_desk_already_knows(
    client: Client, world: World
) -> None:
    sign_up(client, "o.smirnov@romashka.ru")
    client.get(emailed_path("portal_confirm", "o.smirnov@romashka.ru"))
    world.oleg.refresh_from_db()
    assert world.oleg.user is not None and world.oleg.user.email == "o.smirnov@romashka.ru"
    # Oleg already belongs to Romashka: nothing to approve.
    assert not JoinRequest.objects.exists()


def test_a_forged_or_reused_address_link_does_nothing(client: Client, world: World) -> None:
    assert client.get("/portal/confirm/forged-token/").status_code == 404


def test_signing_up_again_with_a_taken_address_looks_the_same_and_sends_nothing(
    client: Client, customers: Customers
) -> None:
    page = sign_up(client, "o.smirnov@romashka.ru")
    assert page.status_code == 200
    assert "We have sent a confirmation link" in page.content.decode()
    assert not Outbox.objects.filter(template="portal_confirm").exists()


def test_a_new_colleague_joins_the_company_when_its_manager_approves(
    client: Client, customers: Customers
) -> None:
    sign_up(client, "new.person@romashka.ru")
    client.get(emailed_path("portal_confirm", "new.person@romashka.ru"))
    contact = Contact.objects.get(user__email="new.person@romashka.ru")
    assert contact.organization is None
    request = JoinRequest.objects.get(contact=contact)
    assert (request.organization, request.via) == (customers.world.romashka, "email_domain")

    # A requester of the company cannot approve; the manager of another company sees nothing.
    client.force_login(customers.oleg)
    assert client.post(f"/portal/join/{request.pk}/", {"decision": "approve"}).status_code == 404
    client.force_login(customers.pavel)
    assert client.post(f"/portal/join/{request.pk}/", {"decision": "approve"}).status_code == 404
    client.force_login(customers.maria)
    assert "new.person@romashka.ru" in client.get("/portal/").content.decode()
    client.post(f"/portal/join/{request.pk}/", {"decision": "approve"})
    contact.refresh_from_db()
    assert contact.organization == customers.world.romashka
    request.refresh_from_db()
    assert request.state == "approved" and request.decided_by == customers.maria


def test_a_contract_number_asks_to_join_that_contract_s_company(
    client: Client, customers: Customers
) -> None:
    sign_up(client, "guest@gmail.example", contract_number="кс-24/7-005")
    client.get(emailed_path("portal_confirm", "guest@gmail.example"))
    request = JoinRequest.objects.get()
    assert (request.organization, request.via) == (customers.world.veter, "contract")
    membership.decide(request, approve=False, by=customers.anna)
    assert Contact.objects.get(user__email="guest@gmail.example").organization is None


def test_a_forgotten_password_is_recovered_by_an_emailed_link(
    client: Client, customers: Customers
) -> None:
    page = client.post("/portal/password/reset/", {"email": "o.smirnov@romashka.ru"}, follow=True)
    assert "If an account uses this address" in page.content.decode()
    path = emailed_path("portal_password_reset", "o.smirnov@romashka.ru")
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.request["PATH_INFO"]
    done = client.post(
        set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Password changed" in done.content.decode()
    assert client.login(username="o.smirnov@romashka.ru", password=NEW_PASSWORD)


def test_the_recovery_link_leads_to_the_form_for_a_new_password(
    client: Client, customers: Customers
) -> None:
    """The email's link is made by its template from the account's id and token."""
    user = customers.oleg
    emails.queue_password_reset(
        recipient=user.email,
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
        dedupe_key="portal_reset:test",
    )
    path = emailed_path("portal_password_reset", user.email)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password changed" in done.content.decode()


def test_recovering_an_unknown_address_says_the_same_and_sends_nothing(
    client: Client, world: World
) -> None:
    page = client.post("/portal/password/reset/", {"email": "nobody@nowhere.example"}, follow=True)
    assert "If an account uses this address" in page.content.decode()
    assert not Outbox.objects.exists()


def test_the_agents_sign_in_still_works(client: Client, customers: Customers) -> None:
    assert client.get("/desk/login/").status_code == 200
    assert client.get("/login/").status_code == 200
    page = client.post("/portal/logout/", follow=True)
    assert page.request["PATH_INFO"] == "/portal/login/"


def test_the_confirmation_email_is_delivered_by_the_worker(client: Client, world: World) -> None:
    sign_up(client, "irina@tulpan.example")
    assert outbox.deliver_due() == 1
    (sent,) = mail.outbox
    assert sent.to == ["irina@tulpan.example"]
    assert "Ирина Новикова" in sent.body
    assert re.search(r"http://\S+/portal/confirm/\S+/", str(sent.body))


def test_sign_ups_and_password_emails_are_rate_limited(
    client: Client, customers: Customers, settings: Any
) -> None:
    settings.ZAYAVKA_WEBFORM_RATE_PER_IP = 2
    for n in range(2):
        assert sign_up(client, f"person{n}@tulpan.example").status_code == 200
    page = sign_up(client, "person3@tulpan.example")
    assert page.status_code == 429
    assert "Too many attempts" in page.content.decode()
    assert not User.objects.filter(email="person3@tulpan.example").exists()

    for _n in range(3):
        client.post("/portal/password/reset/", {"email": "o.smirnov@romashka.ru"})
    assert Outbox.objects.filter(template="portal_password_reset").count() == 2
