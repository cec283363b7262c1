"""The option lists of the workspace's forms: statuses, priorities, categories, teams,
agents, organizations and contracts.

Every queue page offers all of them (filters, bulk changes), so they are read once per
process through `core.refcache` (a change made here clears them at once, other
processes see it within seconds) instead of seven queries a page. Labels are read at
render time, so each page is in its viewer's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from zayavka.accounts.models import Contract, Organization, Team, User
from zayavka.core.refcache import cached
from zayavka.tickets import access
from zayavka.tickets.access import AnyUser
from zayavka.tickets.models import Category, Priority, Status

type Choices = list[tuple[str, str | Promise]]
ANY: tuple[str, str | Promise] = ("", gettext_lazy("any"))


def statuses() -> list[Status]:
    return cached("ws:statuses", lambda: list(Status.objects.order_by("position", "pk")))


def priorities() -> list[Priority]:
    """Most urgent first, as the model orders them."""
    return cached("ws:priorities", lambda: list(Priority.objects.order_by("-rank", "pk")))


def categories() -> list[Category]:
    return cached("ws:categories", lambda: list(Category.objects.order_by("position", "pk")))


def teams() -> list[Team]:
    return cached("ws:teams", lambda: list(Team.objects.order_by("name", "pk")))


def agent_users() -> QuerySet[User]:
    """Everyone a ticket may be assigned to: the desk's active agents, by name (the
    queryset a submitted choice is checked against)."""
    return User.objects.filter(agent__isnull=False, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def agents() -> list[User]:
    """`agent_users()`, read once per process for drawing the selects."""
    return cached("ws:agents", lambda: list(agent_users()))


def organizations() -> list[tuple[int, str]]:
    return cached(
        "ws:organizations",
        lambda: list(Organization.objects.order_by("name", "pk").values_list("pk", "name")),
    )


def contracts() -> list[tuple[int, str]]:
    return cached(
        "ws:contracts",
        lambda: [
            (c.pk, str(c))
            for c in Contract.objects.select_related("organization").order_by(
                "organization__name", "number", "pk"
            )
        ],
    )


def visible_teams(user: AnyUser) -> list[Team]:
    """The teams whose queues the agent may see (access.visible_teams, from the cache)."""
    hidden = access.hidden_team_ids(user)
    return [team for team in teams() if team.pk not in hidden]


def labelled(rows: Iterable[Any], key: Callable[[Any], object]) -> Choices:
    """(value, label) pairs for a select, "any" first, labels in the current language."""
    return [ANY, *((str(key(row)), str(row)) for row in rows)]
