"""Personas of the client portal, a few tickets between them, and a phone-sized browser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests.browser import Browser, open_browser
from tests.factories import AgentFactory, ContactFactory, UserFactory, World
from zayavka.accounts.models import Contact, User
from zayavka.core.storage import store_blob
from zayavka.tickets import catalog
from zayavka.tickets.actions.messages import add_message
from zayavka.tickets.actions.tickets import open_ticket
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import Attachment, Message, Ticket

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Real hashing costs a second per password on a busy machine; these are test users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


def portal_user(contact: Contact, email: str) -> User:
    user = User.objects.create_user(email, email, PASSWORD)
    Contact.objects.filter(pk=contact.pk).update(user=user)
    return user


@dataclass
class Clients:
    world: World
    oleg: User  # requester A at Romashka
    irina: User  # requester B at Romashka
    maria: User  # manager at Romashka
    pavel: User  # manager at Severny Veter
    anna: User  # an agent of the desk
    irina_contact: Contact
    pavel_contact: Contact
    ticket_a: Ticket  # Oleg's
    ticket_b: Ticket  # Irina's
    ticket_other: Ticket  # Pavel's company's
    public_file: Attachment  # on Oleg's ticket, in a public reply
    note_file: Attachment  # on Oleg's ticket, in an internal note
    withheld_file: Attachment  # on Oleg's ticket, kept out by the policy


def _file(name: str, data: bytes) -> InboundAttachment:
    key, digest = store_blob("attachments", data)
    return InboundAttachment(
        filename=name, content_type="text/plain", storage_key=key, sha256=digest, size=len(data)
    )


def file_ticket(requester: Contact, subject: str, text: str = "Не работает") -> Ticket:
    priority = next(p for p in catalog.priorities() if p.slug == "normal")
    ticket = open_ticket(
        subject=subject,
        requester=requester,
        channel="web",
        priority=priority,
        organization=requester.organization,
    )
    add_message(
        ticket,
        direction=Message.Direction.INBOUND,
        channel="web",
        text=text,
        author_contact=requester,
    )
    return ticket


@pytest.fixture
def people(world: World) -> Clients:
    w = world
    irina_contact = ContactFactory.create(
        name="Ирина Белова", organization=w.romashka, email="i.belova@romashka.ru"
    )
    pavel_contact = ContactFactory.create(
        name="Павел Ветров",
        organization=w.veter,
        role=Contact.Role.MANAGER,
        email="p.vetrov@veter.ru",
    )
    anna: User = UserFactory.create(username="anna")
    anna.set_password(PASSWORD)
    anna.save(update_fields=["password"])
    AgentFactory.create(user=anna, teams=[w.team])
    ticket_a = file_ticket(w.oleg, "Не открывается сайт")
    desk_reply = add_message(
        ticket_a,
        direction=Message.Direction.OUTBOUND,
        channel="agent",
        text="Проверьте, пожалуйста, ещё раз.",
        author_user=anna,
        attachments=[_file("instruction.txt", b"public instruction")],
    )
    note = add_message(
        ticket_a,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.NOTE,
        channel="agent",
        text="Внутренняя заметка: клиент должен за прошлый месяц",
        author_user=anna,
        attachments=[_file("secret-note.txt", b"internal only")],
    )
    held = add_message(
        ticket_a,
        direction=Message.Direction.INBOUND,
        channel="email",
        text="Прикладываю программу",
        author_contact=w.oleg,
        attachments=[_file("setup.exe", b"MZ withheld")],
        withheld={0: "kind"},
    )
    return Clients(
        world=w,
        oleg=portal_user(w.oleg, "o.smirnov@romashka.ru"),
        irina=portal_user(irina_contact, "i.belova@romashka.ru"),
        maria=portal_user(w.maria, "m.kuznetsova@romashka.ru"),
        pavel=portal_user(pavel_contact, "p.vetrov@veter.ru"),
        anna=anna,
        irina_contact=irina_contact,
        pavel_contact=pavel_contact,
        ticket_a=ticket_a,
        ticket_b=file_ticket(irina_contact, "Не уходит почта"),
        ticket_other=file_ticket(pavel_contact, "Сломался принтер"),
        public_file=desk_reply.attachments.get(),
        note_file=note.attachments.get(),
        withheld_file=held.attachments.get(),
    )


# --- A real browser against a live server, at a phone's width ---------------------------


@pytest.fixture
def phone_browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Debian's Chromium, headless, in Russian, 390 pixels wide like a phone."""
    with open_browser(
        live_server,
        monkeypatch,
        prefix="portal",
        locale="ru-RU",
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "ru"},
    ) as browser:
        yield browser
