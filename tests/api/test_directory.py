"""Contacts, organizations, categories with their forms, statuses and priorities."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.factories import World
from zayavka.accounts.models import Contact
from zayavka.tickets.models import CategoryField

pytestmark = pytest.mark.django_db


def test_an_integration_registers_a_contact_then_files_for_them(
    api: Api, panel_token: str, world: World
) -> None:
    client = api.as_(panel_token)
    created = client.post(
        "/contacts",
        {
            "name": "Ирина Белова",
            "email": "i.belova@romashka.ru",
            "organization_id": world.romashka.pk,
        },
    )
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["organization"] == {"id": world.romashka.pk, "name": world.romashka.name}
    assert contact["addresses"] == [
        {"kind": "email", "value": "i.belova@romashka.ru", "is_primary": True}
    ]
    again = client.post("/contacts", {"email": "I.Belova@romashka.ru"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "contact_exists"
    found = client.get("/contacts", {"email": "i.belova@ROMASHKA.ru"}).json()
    assert [c["id"] for c in found["items"]] == [contact["id"]]
    ticket = client.post(
        "/tickets",
        {
            "subject": "Счёт",
            "description": "Нужен счёт",
            "on_behalf_of": {"contact_id": contact["id"]},
        },
    )
    assert ticket.status_code == 201
    assert ticket.json()["verification"] == "authenticated"
    assert Contact.objects.filter(name="Ирина Белова").count() == 1


def test_categories_come_with_their_forms(api: Api, anna_token: str, world: World) -> None:
    CategoryField.objects.create(
        category=world.category,
        key="browser",
        label_ru="Браузер",
        label_en="Browser",
        kind=CategoryField.Kind.CHOICE,
        choices=["Chrome", "Firefox"],
        required=True,
    )
    listed = api.as_(anna_token).get("/categories").json()
    site = next(c for c in listed if c["slug"] == "site-down")
    assert site["fields"] == [
        {
            "key": "browser",
            "kind": "choice",
            "label_ru": "Браузер",
            "label_en": "Browser",
            "hint_ru": "",
            "hint_en": "",
            "choices": ["Chrome", "Firefox"],
            "required": True,
        }
    ]
    assert api.as_(anna_token).get("/categories/site-down").json() == site
    assert api.as_(anna_token).get("/categories/nope").status_code == 404


def test_vocabularies(api: Api, anna_token: str) -> None:
    statuses = {s["slug"]: s["state"] for s in api.as_(anna_token).get("/statuses").json()}
    assert statuses["new"] == "new" and statuses["resolved"] == "resolved"
    ranks = [p["rank"] for p in api.as_(anna_token).get("/priorities").json()]
    assert ranks == sorted(ranks)
