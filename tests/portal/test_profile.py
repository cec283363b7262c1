"""A client's profile: their name, phone and the language of our emails; their password."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.personas import PASSWORD, Customers
from zayavka.accounts.models import Contact, ContactAddress

pytestmark = pytest.mark.django_db

PROFILE = "/portal/profile/"
NEW_PASSWORD = "a long and unusual passphrase 42"


def save(client: Client, **changes: str) -> Any:
    data = {"name": "Олег Смирнов", "phone": "", "language": "", **changes}
    return client.post(PROFILE, data)


def phones(contact: Contact) -> list[str]:
    return list(
        contact.addresses.filter(kind=ContactAddress.Kind.PHONE).values_list("value", flat=True)
    )


def test_the_header_links_to_the_profile(client: Client, customers: Customers) -> None:
    client.force_login(customers.oleg)
    assert f'href="{PROFILE}"' in client.get("/portal/").content.decode()


def test_a_client_sees_and_changes_their_profile(client: Client, customers: Customers) -> None:
    client.force_login(customers.oleg)
    page = client.get(PROFILE).content.decode()
    assert "Олег Смирнов" in page and "o.smirnov@romashka.ru" in page
    assert "8 (921) 555-01-11" in page
    assert "/portal/password/change/" in page

    saved = save(client, name="Олег  Петрович Смирнов", phone="+7 921 555-02-22", language="en")
    assert saved.status_code == 302 and saved["Location"] == PROFILE
    assert "Your profile is saved." in client.get(PROFILE).content.decode()
    oleg = Contact.objects.get(pk=customers.world.oleg.pk)
    assert (oleg.name, oleg.language) == ("Олег Петрович Смирнов", "en")
    assert phones(oleg) == ["+7 921 555-02-22"]
    customers.oleg.refresh_from_db()
    assert customers.oleg.get_full_name() == "Олег Петрович Смирнов"


def test_an_empty_phone_removes_it(client: Client, customers: Customers) -> None:
    client.force_login(customers.oleg)
    save(client, phone="")
    assert phones(customers.world.oleg) == []


def test_another_contacts_phone_is_refused_and_nothing_changes(
    client: Client, customers: Customers
) -> None:
    ContactAddress.objects.create(
        contact=customers.irina_contact, kind=ContactAddress.Kind.PHONE, value="+7 900 000-00-01"
    )
    client.force_login(customers.oleg)
    page = save(client, name="Кто-то другой", phone="8 900 000 00 01")
    assert page.status_code == 400
    assert "This number cannot be used here" in page.content.decode()
    oleg = Contact.objects.get(pk=customers.world.oleg.pk)
    assert oleg.name == "Олег Смирнов" and phones(oleg) == ["8 (921) 555-01-11"]


def test_a_name_is_required(client: Client, customers: Customers) -> None:
    client.force_login(customers.oleg)
    assert save(client, name="   ").status_code == 400


def test_anonymous_visitors_sign_in_first_and_agents_have_no_profile(
    client: Client, customers: Customers
) -> None:
    for url in (PROFILE, "/portal/password/change/"):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith("/portal/login/"), url
    client.force_login(customers.anna)
    assert client.get(PROFILE).status_code == 404


def test_a_client_changes_their_password(client: Client, customers: Customers) -> None:
    client.force_login(customers.oleg)
    assert client.get("/portal/password/change/").status_code == 200
    wrong = client.post(
        "/portal/password/change/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    done = client.post(
        "/portal/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password changed" in done.content.decode()
    client.logout()
    assert client.login(username="o.smirnov@romashka.ru", password=NEW_PASSWORD)
