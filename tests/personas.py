"""The named people of the workspace and portal tests, and the helpers that make them.

Plain functions and dataclasses: the fixtures that hand them to tests (`agents`,
`customers`) are in tests/conftest.py, whose note says who is who. Every persona signs in
with PASSWORD."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tests.factories import AgentFactory, ContactFactory, UserFactory, World
from zayavka.accounts.models import Contact, Team, User
from zayavka.core.storage import store_blob
from zayavka.tickets import catalog
from zayavka.tickets.actions.messages import add_message
from zayavka.tickets.actions.tickets import open_ticket
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import Attachment, Message, Ticket

PASSWORD = "correct horse battery staple"

_subjects = itertools.count(1)


def make_agent(username: str, *teams: Team, **user_kwargs: Any) -> User:
    """An agent of the desk, a member of `teams`, named after the username ("anna": Anna)."""
    user: User = UserFactory.create(
        username=username, first_name=username.capitalize(), **user_kwargs
    )
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    AgentFactory.create(user=user, teams=list(teams))
    return user


def portal_user(contact: Contact, email: str, username: str = "") -> User:
    """The portal account of `contact`; it signs in with its email unless given a username."""
    user = User.objects.create_user(username or email, email, PASSWORD)
    Contact.objects.filter(pk=contact.pk).update(user=user)
    return user


def file_ticket(
    world: World,
    subject: str = "",
    text: str = "Не работает",
    *,
    team: Team | None = None,
    requester: Contact | None = None,
    at: datetime | None = None,
    **kwargs: Any,
) -> Ticket:
    """A ticket with the requester's first message, as intake would leave it: from Oleg
    by email unless told otherwise (`requester=`, `channel=`)."""
    requester = requester or world.oleg
    priority = kwargs.pop("priority", None) or next(
        p for p in catalog.priorities() if p.slug == "normal"
    )
    ticket = open_ticket(
        subject=subject or f"Вопрос {next(_subjects)}",
        requester=requester,
        channel=kwargs.pop("channel", "email"),
        priority=priority,
        organization=requester.organization,
        team=team,
        at=at,
        **kwargs,
    )
    add_message(
        ticket,
        direction=Message.Direction.INBOUND,
        channel=ticket.channel,
        text=text,
        author_contact=requester,
        at=at,
    )
    return ticket


# --- The desk's side: agents ---------------------------------------------------------------


@dataclass
class Agents:
    """The `agents` fixture: who works in the workspace, and who may not."""

    world: World  # the world they work in (tests/factories.py)
    anna: User  # Anna, an agent in the web team (world.team)
    boris: User  # Boris, an agent in no team
    vera: User  # Vera, an agent in the restricted security team
    root: User  # a superuser without an agent profile
    oleg: User  # Oleg Smirnov's portal account (username "oleg"): a customer, not an agent
    security: Team  # "Безопасность", restricted: only its members (Vera) see its tickets


def build_agents(world: World) -> Agents:
    security = Team.objects.create(name="Безопасность", is_restricted=True)
    root = User.objects.create_superuser("root", "root@desk.example", PASSWORD)
    oleg = portal_user(world.oleg, "o.smirnov@romashka.ru", username="oleg")
    return Agents(
        world=world,
        anna=make_agent("anna", world.team),
        boris=make_agent("boris"),
        vera=make_agent("vera", security),
        root=root,
        oleg=oleg,
        security=security,
    )


# --- The portal's side: customers and their tickets --------------------------------------


@dataclass
class Customers:
    """The `customers` fixture: who uses the portal, a ticket of each, and Oleg's files."""

    world: World  # the world they live in (tests/factories.py)
    oleg: User  # Oleg Smirnov's portal account: a requester at Romashka
    irina: User  # Irina Belova's portal account: another requester at Romashka
    maria: User  # Maria Kuznetsova's portal account: Romashka's manager, sees its tickets
    pavel: User  # Pavel Vetrov's portal account: Severny Veter's manager
    anna: User  # Anna, an agent in the web team: she answered Oleg
    irina_contact: Contact  # Irina Belova, requester at Romashka (world has only Oleg)
    pavel_contact: Contact  # Pavel Vetrov, manager at Severny Veter
    ticket_a: Ticket  # Oleg's, with Anna's reply, her note and Oleg's withheld file
    ticket_b: Ticket  # Irina's
    ticket_other: Ticket  # Pavel's, at Severny Veter
    public_file: Attachment  # on Oleg's ticket, in Anna's public reply
    note_file: Attachment  # on Oleg's ticket, in Anna's internal note
    withheld_file: Attachment  # on Oleg's ticket, from Oleg, kept out by the policy


def _stored(name: str, data: bytes) -> InboundAttachment:
    key, digest = store_blob("attachments", data)
    return InboundAttachment(
        filename=name, content_type="text/plain", storage_key=key, sha256=digest, size=len(data)
    )


def build_customers(world: World) -> Customers:
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
    anna = make_agent("anna", w.team)
    ticket_a = file_ticket(w, "Не открывается сайт", channel="web")
    desk_reply = add_message(
        ticket_a,
        direction=Message.Direction.OUTBOUND,
        channel="agent",
        text="Проверьте, пожалуйста, ещё раз.",
        author_user=anna,
        attachments=[_stored("instruction.txt", b"public instruction")],
    )
    note = add_message(
        ticket_a,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.NOTE,
        channel="agent",
        text="Внутренняя заметка: клиент должен за прошлый месяц",
        author_user=anna,
        attachments=[_stored("secret-note.txt", b"internal only")],
    )
    held = add_message(
        ticket_a,
        direction=Message.Direction.INBOUND,
        channel="email",
        text="Прикладываю программу",
        author_contact=w.oleg,
        attachments=[_stored("setup.exe", b"MZ withheld")],
        withheld={0: "kind"},
    )
    return Customers(
        world=w,
        oleg=portal_user(w.oleg, "o.smirnov@romashka.ru"),
        irina=portal_user(irina_contact, "i.belova@romashka.ru"),
        maria=portal_user(w.maria, "m.kuznetsova@romashka.ru"),
        pavel=portal_user(pavel_contact, "p.vetrov@veter.ru"),
        anna=anna,
        irina_contact=irina_contact,
        pavel_contact=pavel_contact,
        ticket_a=ticket_a,
        ticket_b=file_ticket(w, "Не уходит почта", requester=irina_contact, channel="web"),
        ticket_other=file_ticket(w, "Сломался принтер", requester=pavel_contact, channel="web"),
        public_file=desk_reply.attachments.get(),
        note_file=note.attachments.get(),
        withheld_file=held.attachments.get(),
    )
