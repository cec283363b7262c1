"""The desk's people for the workspace tests, and a helper that files tickets."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests.browser import Browser, open_browser
from tests.factories import AgentFactory, UserFactory, World
from zayavka.accounts.models import Contact, Team, User
from zayavka.tickets import catalog
from zayavka.tickets.actions.messages import add_message
from zayavka.tickets.actions.tickets import open_ticket
from zayavka.tickets.models import Message, Ticket

PASSWORD = "correct horse battery staple"

_subjects = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Real hashing costs a second per password on a busy machine; these are test users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    """Tests read English labels, whatever the Russian catalogue holds meanwhile."""
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


@dataclass
class Desk:
    world: World
    anna: User  # agent in the web team
    boris: User  # agent in no team
    vera: User  # agent in the restricted security team
    root: User  # superuser without an agent profile
    oleg: User  # Oleg Smirnov's portal account: a customer
    security: Team  # restricted: only its members see its tickets


def make_agent(username: str, *teams: Team, **user_kwargs: Any) -> User:
    user: User = UserFactory.create(
        username=username, first_name=username.capitalize(), **user_kwargs
    )
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    AgentFactory.create(user=user, teams=list(teams))
    return user


@pytest.fixture
def desk(world: World) -> Desk:
    security = Team.objects.create(name="Безопасность", is_restricted=True)
    root = User.objects.create_superuser("root", "root@desk.example", PASSWORD)
    oleg = User.objects.create_user("oleg", "o.smirnov@romashka.ru", PASSWORD)
    Contact.objects.filter(pk=world.oleg.pk).update(user=oleg)
    return Desk(
        world=world,
        anna=make_agent("anna", world.team),
        boris=make_agent("boris"),
        vera=make_agent("vera", security),
        root=root,
        oleg=oleg,
        security=security,
    )


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
    """A ticket with the requester's first message, as intake would leave it."""
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


# --- A real browser against a live server ------------------------------------------------


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright against the live test server."""
    with desk_browser(live_server, monkeypatch, "en-GB", "workspace") as browser:
        yield browser


@pytest.fixture
def russian_browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """The same, asking for Russian pages."""
    with desk_browser(live_server, monkeypatch, "ru-RU", "workspace-ru") as browser:
        yield browser


@contextmanager
def desk_browser(
    live_server: Any, monkeypatch: pytest.MonkeyPatch, locale: str, prefix: str
) -> Iterator[Browser]:
    """An agent's browser on a desktop screen, in `locale`; screenshots named `prefix`-."""
    with open_browser(
        live_server,
        monkeypatch,
        prefix=prefix,
        locale=locale,
        viewport={"width": 1360, "height": 900},
    ) as browser:
        yield browser
