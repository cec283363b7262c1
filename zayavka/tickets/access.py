"""Who may see and work on which tickets: decided here once, for the agent workspace,
the client portal and the API alike.

Agents see every ticket except those of a restricted team they are neither a member
nor the lead of (`may_work_on` applies the same rule to taking and assigning);
superusers see everything. A client's person sees the tickets they filed or take part
in, and a manager of the client sees all of the company's tickets (R19). Nobody else
sees any ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from zayavka.accounts.models import Agent, Contact, Team
from zayavka.tickets.models import Ticket

type AnyUser = AbstractBaseUser | AnonymousUser

# Cached on the user object for the length of a request, like Django's permission cache.
_CACHE_ATTR = "_zayavka_access"


@dataclass(frozen=True)
class _Viewer:
    agent: Agent | None
    superuser: bool
    hidden_teams: frozenset[int]

    @property
    def is_agent(self) -> bool:
        return self.superuser or self.agent is not None


def _viewer(user: AnyUser) -> _Viewer:
    cached: _Viewer | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    viewer = _Viewer(agent=None, superuser=False, hidden_teams=frozenset())
    if user.is_authenticated and user.is_active:
        superuser = bool(getattr(user, "is_superuser", False))
        agent = Agent.objects.filter(user_id=user.pk).first()
        hidden: frozenset[int] = frozenset()
        if agent is not None and not superuser:
            hidden = frozenset(
                Team.objects.filter(is_restricted=True)
                .exclude(agents=agent)
                .exclude(lead_id=user.pk)
                .values_list("pk", flat=True)
            )
        viewer = _Viewer(agent=agent, superuser=superuser, hidden_teams=hidden)
    setattr(user, _CACHE_ATTR, viewer)
    return viewer


def is_agent(user: AnyUser) -> bool:
    """An active user who works for the desk: has an agent profile, or is a superuser."""
    return _viewer(user).is_agent


def agent_of(user: AnyUser) -> Agent | None:
    """The user's agent profile (None for superusers without one and for everyone else)."""
    return _viewer(user).agent


def hidden_team_ids(user: AnyUser) -> frozenset[int]:
    """The restricted teams whose tickets this agent may not see (read once a request)."""
    return _viewer(user).hidden_teams


def visible_teams(user: AnyUser) -> QuerySet[Team]:
    """The teams whose queues the agent may see; none for anyone who is not an agent."""
    viewer = _viewer(user)
    if not viewer.is_agent:
        return Team.objects.none()
    return Team.objects.exclude(pk__in=viewer.hidden_teams)


def agent_tickets(user: AnyUser) -> QuerySet[Ticket]:
    """Every ticket the agent may see; an empty set for anyone who is not an agent."""
    viewer = _viewer(user)
    if not viewer.is_agent:
        return Ticket.objects.none()
    if not viewer.hidden_teams:
        return Ticket.objects.all()
    return Ticket.objects.filter(Q(team__isnull=True) | ~Q(team_id__in=viewer.hidden_teams))


def contact_tickets(user: AnyUser) -> QuerySet[Ticket]:
    """The tickets a client's portal user may see: their own and those they take part
    in; a manager sees all of their company's tickets (R19)."""
    contact = _contact_of(user)
    if contact is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(_seen_by(contact))


def _seen_by(contact: Contact) -> Q:
    own = Q(requester_id=contact.pk) | Q(
        pk__in=Ticket.participants.through.objects.filter(contact_id=contact.pk).values("ticket_id")
    )
    if contact.role == Contact.Role.MANAGER and contact.organization_id is not None:
        own |= Q(organization_id=contact.organization_id)
    return own


def contact_sees(contact: Contact, ticket: Ticket) -> bool:
    """Does the client's person see the ticket in the portal, and so may act on it as its
    requester's side (reply, «solved», reopen)? The rule of `contact_tickets`."""
    return (
        ticket.requester_id == contact.pk
        or Ticket.objects.filter(_seen_by(contact), pk=ticket.pk).exists()
    )


def can_view(user: AnyUser, ticket: Ticket) -> bool:
    """May the user read the ticket (as an agent, or as the client's person)?"""
    viewer = _viewer(user)
    if viewer.is_agent:
        return ticket.team_id is None or ticket.team_id not in viewer.hidden_teams
    contact = _contact_of(user)
    if contact is None:
        return False
    return contact_tickets(user).filter(pk=ticket.pk).exists()


def can_work(user: AnyUser, ticket: Ticket) -> bool:
    """May the user act for the desk on the ticket: reply, note, assign, change it?"""
    viewer = _viewer(user)
    return viewer.is_agent and (ticket.team_id is None or ticket.team_id not in viewer.hidden_teams)


def check_may_work(user: AnyUser | None, *tickets: Ticket) -> None:
    """PermissionDenied unless `user` may work on every one of the tickets (`can_work`);
    None is the desk itself (intake, jobs), which may. What every action checks."""
    if user is not None and not all(can_work(user, ticket) for ticket in tickets):
        raise PermissionDenied("may not work on this ticket")


def access_ticket(user: AnyUser, number: int, *, write: bool = False) -> Ticket:
    """The ticket with this public number if the user may see it (and work on it, with
    `write`); Http404 otherwise, so that a ticket one may not see does not exist for them."""
    ticket = Ticket.objects.filter(number=number).first()
    allowed = can_work if write else can_view
    if ticket is None or not allowed(user, ticket):
        raise Http404("no such ticket")
    return ticket


def _contact_of(user: AnyUser) -> Contact | None:
    if not (user.is_authenticated and user.is_active):
        return None
    return Contact.objects.filter(user_id=user.pk).first()


def may_work_on(agent: Agent, team: Team | None) -> bool:
    """A restricted team's tickets are for its members and its lead only; every other
    ticket (the general queue included) is for any agent of the desk."""
    if team is None or not team.is_restricted:
        return True
    if team.lead_id == agent.user_id:
        return True
    return agent.teams.filter(pk=team.pk).exists()
