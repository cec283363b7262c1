"""Tickets put on agents and teams by hand: an agent takes a ticket, or assigns it to a
colleague or a team (R25). Routing's automatic assignment is in routing.py.

Like actions.py, every function here writes a TicketEvent for what it changes.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from zayavka.accounts.models import Team, User
from zayavka.tickets import access, actions, routing
from zayavka.tickets.models import EventKind, Ticket


class TicketAlreadyTaken(Exception):
    """Another agent has the ticket; taking it over needs force."""


def _lock_assignment(ticket: Ticket) -> tuple[int | None, Team | None]:
    """Lock the ticket's row; its assignee id and team as committed, not as in memory."""
    assignee_id, team_id = (
        Ticket.objects.select_for_update().values_list("assignee_id", "team_id").get(pk=ticket.pk)
    )
    if team_id != ticket.team_id:
        ticket.team = Team.objects.get(pk=team_id) if team_id is not None else None
    return assignee_id, ticket.team


def take_ticket(
    ticket: Ticket, agent_user: User, *, force: bool = False, at: datetime | None = None
) -> None:
    """An agent takes a ticket for themselves (R25) and a TAKEN event records it.

    Refused with PermissionDenied to anyone who is not an active agent and to agents
    outside a restricted team; refused with TicketAlreadyTaken when another agent has
    it, unless `force`. Taking one's own ticket again changes nothing. The ticket's row
    is locked, so two agents taking it at once cannot both get it.
    """
    agent = access.agent_of(agent_user)
    if agent is None:
        raise PermissionDenied("only agents take tickets")
    with transaction.atomic():
        current, team = _lock_assignment(ticket)
        if not access.may_work_on(agent, team):
            raise PermissionDenied("the ticket belongs to a restricted team")
        if current == agent_user.pk:
            ticket.assignee = agent_user
            return
        if current is not None and not force:
            raise TicketAlreadyTaken(ticket.number)
        now = at or timezone.now()
        ticket.assignee = agent_user
        ticket.updated_at = max(ticket.updated_at, now)
        ticket.save(update_fields=["assignee", "updated_at"])
        actions.record_event(
            ticket,
            EventKind.TAKEN,
            actor_user=agent_user,
            at=now,
            data={"assignee": agent_user.pk, "from": current},
        )


def assign_ticket(
    ticket: Ticket,
    *,
    agent: User | None = None,
    team: Team | None = None,
    by: User | None = None,
    at: datetime | None = None,
) -> None:
    """Put the ticket in `team`'s queue (its current team when not given) and on `agent`
    (with `agent=None` it waits there unassigned), on behalf of `by` (None: the desk).

    Records ROUTED when the team changes and ASSIGNED when the assignee does; the new
    assignee is emailed unless they assigned it themselves. PermissionDenied when `by`
    is not an agent who may work on both the old and the new team; ValueError when
    `agent` is not an active agent who may work on the new team.
    """
    acting = access.agent_of(by) if by is not None else None
    if by is not None and acting is None:
        raise PermissionDenied("only agents assign tickets")
    assignee = access.agent_of(agent) if agent is not None else None
    if agent is not None and assignee is None:
        raise ValueError(f"{agent} is not an active agent")
    with transaction.atomic():
        before_assignee, before = _lock_assignment(ticket)
        target = team if team is not None else before
        if acting is not None and not (
            access.may_work_on(acting, before) and access.may_work_on(acting, target)
        ):
            raise PermissionDenied("may not assign this ticket")
        if assignee is not None and not access.may_work_on(assignee, target):
            raise ValueError(f"{agent} may not work on tickets of {target}")
        now = at or timezone.now()
        ticket.team = target
        ticket.assignee = agent
        ticket.updated_at = max(ticket.updated_at, now)
        ticket.save(update_fields=["team", "assignee", "updated_at"])
        if ticket.team_id != (before.pk if before is not None else None):
            actions.record_event(
                ticket,
                EventKind.ROUTED,
                actor_user=by,
                at=now,
                data={
                    "team": ticket.team_id,
                    "team_name": target.name if target is not None else "",
                    "from": before.pk if before is not None else None,
                    "by": "user",
                },
            )
        if ticket.assignee_id != before_assignee:
            event = actions.record_event(
                ticket,
                EventKind.ASSIGNED,
                actor_user=by,
                at=now,
                data={"assignee": ticket.assignee_id, "from": before_assignee},
            )
            if agent is not None and agent != by:
                routing.notify_assigned(ticket, agent, event)
