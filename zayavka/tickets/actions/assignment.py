"""Who works on a ticket (R25): a new ticket routed to its team's queue and assigned by
the team's mode (`routing` chooses; these write), and tickets put on agents and teams by
hand: an agent takes one, or assigns it to a colleague or a team.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from zayavka.accounts.models import Agent, Team, User
from zayavka.tickets import access, notifications, routing
from zayavka.tickets.actions.events import lock_ticket, record_event
from zayavka.tickets.models import EventKind, Ticket


class TicketAlreadyTaken(Exception):
    """Another agent has the ticket; taking it over needs force."""


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
        lock_ticket(ticket)
        current, team = ticket.assignee_id, ticket.team
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
        record_event(
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
        lock_ticket(ticket)
        before_assignee, before = ticket.assignee_id, ticket.team
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
            record_event(
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
            event = record_event(
                ticket,
                EventKind.ASSIGNED,
                actor_user=by,
                at=now,
                data={"assignee": ticket.assignee_id, "from": before_assignee},
            )
            if agent is not None and agent != by:
                notifications.notify_assigned(ticket, agent, event)


def auto_assign(
    ticket: Ticket, *, skills: Sequence[str] = (), at: datetime | None = None
) -> Agent | None:
    """Give an unassigned ticket to an agent of its team by the team's mode.

    Returns the agent, or None when the team assigns manually, nobody eligible is on
    shift, or the ticket already has an assignee: then it waits in the team's queue.
    Records an ASSIGNED event and emails the agent.
    """
    if ticket.team_id is None or ticket.assignee_id is not None:
        return None
    # No savepoint: nothing here catches an error, so a failure rolls back the caller's
    # transaction (intake's) as a whole either way; the lock is held to its commit anyway.
    with transaction.atomic(savepoint=False):
        team = Team.objects.select_for_update().get(pk=ticket.team_id)
        agent = routing.choose_agent(team, routing.eligible_agents(team, skills))
        if agent is None:
            return None
        now = at or timezone.now()
        updated_at = max(ticket.updated_at, now)
        # Conditional: an agent who took the ticket meanwhile keeps it.
        if not Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(
            assignee=agent.user, updated_at=updated_at
        ):
            return None
        ticket.assignee, ticket.updated_at = agent.user, updated_at
        # update(), not save(): these counters must not clear the reference cache.
        Team.objects.filter(pk=team.pk).update(last_assigned=agent)
        Agent.objects.filter(pk=agent.pk).update(last_assigned_at=timezone.now())
        event = record_event(
            ticket,
            EventKind.ASSIGNED,
            channel=ticket.channel,
            at=now,
            data={
                "assignee": agent.user_id,
                "from": None,
                "agent": str(agent),
                "team": team.pk,
                "mode": team.assignment,
                **({"skills": sorted(routing.skill_set(list(skills)))} if skills else {}),
            },
        )
        notifications.notify_assigned(ticket, agent.user, event)
    return agent


def route_and_assign(
    ticket: Ticket, text: str, *, at: datetime | None = None, routed: routing.Routed | None = None
) -> Agent | None:
    """Put a new ticket in its team's queue and, unless the team assigns manually, on an
    agent. Records ROUTED (with the rule's name) and ASSIGNED; returns the agent if any.

    ``routed`` is `choose_route`'s answer when the caller already asked it (and opened
    the ticket in that team); otherwise the route is chosen here."""
    with transaction.atomic(savepoint=False):
        team, match = routed if routed is not None else routing.choose_route(ticket, text)
        if team is None:
            return None
        if team.pk != ticket.team_id:
            ticket.team = team
            ticket.save(update_fields=["team"])
        record_event(
            ticket,
            EventKind.ROUTED,
            channel=ticket.channel,
            at=at,
            data={
                "team": team.pk,
                "team_name": team.name,
                "rule": match.rule.name if match is not None else None,
                "rule_id": match.rule.pk if match is not None else None,
                "by": "rule" if match is not None else "category",
            },
        )
        if team.assignment == Team.Assignment.MANUAL:
            return None
        return auto_assign(
            ticket, skills=match.rule.required_skills if match is not None else (), at=at
        )
