"""Escalation of SLA deadlines (R25, R26): warn before a deadline, tell on a breach, then
the head of the helpdesk.

Each open deadline of a ticket (first response, resolution) goes through three steps:

* **warning** when the plan's ``warning_percent`` of the promised time is used up (business
  time on the target's clock, so nights, weekends and holidays count for nothing): to the
  assignee, or to the team lead when nobody is assigned;
* **breach** at the deadline: to the assignee and the team lead;
* **head** ``head_after_minutes`` of wall-clock time after the deadline: to every head of
  the helpdesk, who is reachable at any hour.

Nothing is pending for a first response once it was given, nor for any deadline while the
clock is paused (waiting for the requester) or the ticket is resolved or closed.

The ticket's indexed ``sla_next_check_at`` holds the instant of its earliest pending step,
NULL when there is none; every action that moves a deadline or the clock refreshes it with
`next_check_at`. The scanner (`actions.escalation.scan`, a periodic job) reads only the
tickets whose check is due, in batches, and runs every step that is due and not yet logged,
oldest first: after downtime it catches up with all of them, once each.

This module says when; it writes nothing. The scanner's steps, and who is told, are the
action's (`zayavka.tickets.actions.escalation`).

Exactly once. Each step taken is a `SlaEscalation` row, unique per (ticket, deadline
target, step, deadline); the notifications are written in the same transaction as that
row, so the step whose row is committed is the one that notifies. On PostgreSQL a batch
locks its tickets with ``FOR UPDATE SKIP LOCKED``, so two scanners split the work instead
of waiting on each other; SQLite has a single writer. A recomputed deadline is another
deadline, and its steps happen again: a ticket moved to a higher priority is warned
against its new deadline.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from zayavka.accounts.models import Contract
from zayavka.core.refcache import cached
from zayavka.sla import service
from zayavka.sla.business_time import WorkCalendar, add_business_time, business_time_between
from zayavka.sla.models import SlaEscalation, SlaPlan
from zayavka.tickets.models import Priority, StatusCategory, Ticket

Target = SlaEscalation.Target
StepKind = SlaEscalation.Step

_FINISHED = {StatusCategory.RESOLVED, StatusCategory.CLOSED}
_STEP_ORDER: dict[str, int] = {kind: index for index, kind in enumerate(StepKind)}


#: A step taken for a deadline: (target, step, deadline in UTC), as in the log.
StepKey = tuple[str, str, datetime]


class Step(NamedTuple):
    """One escalation step of one deadline, and when it falls due."""

    at: datetime
    target: str
    kind: str
    deadline: datetime


# --- when ---------------------------------------------------------------------------------


class Rules(NamedTuple):
    """What a ticket's steps are timed by: its target's clock and its plan's settings."""

    clock: WorkCalendar
    plan: SlaPlan


def rules_for(contract: Contract | None, priority: Priority) -> Rules:
    """The clock of the contract's target for the priority (the contract's hours when the
    plan has no target for it any more) and the escalation settings of its plan (the
    defaults when there is none). Raises ValueError for a malformed calendar."""
    clock = service.sla_clock(contract=contract, priority=priority)
    if clock is None:
        clock = service.contract_calendar(contract)
    plans: dict[int, SlaPlan] = cached(
        "sla_plans", lambda: {plan.pk: plan for plan in SlaPlan.objects.all()}
    )
    plan = plans.get(contract.sla_plan_id) if contract and contract.sla_plan_id else None
    return Rules(clock, plan if plan is not None else SlaPlan())


def pending_steps(
    ticket: Ticket, *, done: Collection[StepKey] = frozenset(), rules: Rules | None = None
) -> list[Step]:
    """The steps of the ticket's open deadlines not yet taken, in the order they fall due.

    ``done`` holds the keys (`StepKey`) of the steps taken; ``rules`` default to the
    ticket's contract's and priority's (`rules_for`). Empty when nothing is pending: no
    deadline, the clock paused, the ticket resolved or closed. Raises ValueError when the
    contract's calendar is malformed.
    """
    if (
        ticket.created_at is None
        or ticket.state in _FINISHED
        or ticket.resolved_at is not None
        or ticket.closed_at is not None
        or ticket.sla_paused_at is not None
    ):
        return []
    deadlines: list[tuple[str, datetime, timedelta]] = []
    if ticket.first_response_due is not None and ticket.first_responded_at is None:
        deadlines.append((Target.FIRST_RESPONSE, ticket.first_response_due, timedelta(0)))
    if ticket.resolution_due is not None:
        deadlines.append((Target.RESOLUTION, ticket.resolution_due, ticket.sla_paused))
    if not deadlines:
        return []
    clock, plan = rules if rules is not None else rules_for(ticket.contract, ticket.priority)
    head_after = timedelta(minutes=plan.head_after_minutes)
    steps: list[Step] = []
    for target, deadline, paused in deadlines:
        if (target, StepKind.WARNING, utc(deadline)) not in done:
            warning = warning_at(
                clock, ticket.created_at, deadline, percent=plan.warning_percent, paused=paused
            )
            if warning is not None:
                steps.append(Step(warning, target, StepKind.WARNING, deadline))
        for kind, at in ((StepKind.BREACH, deadline), (StepKind.HEAD, deadline + head_after)):
            if (target, kind, utc(deadline)) not in done:
                steps.append(Step(at, target, kind, deadline))
    steps.sort(key=_order)
    return steps


def next_check_at(ticket: Ticket, *, done: Collection[StepKey] = frozenset()) -> datetime | None:
    """When the scanner must next look at the ticket: its earliest pending step, or None.

    Actions call it without ``done`` (the steps taken, see `pending_steps`): then a step
    already taken for an unchanged deadline may be named, which costs the scanner one
    visit that sends nothing.
    """
    return min((step.at for step in pending_steps(ticket, done=done)), default=None)


def warning_at(
    clock: WorkCalendar,
    start: datetime,
    deadline: datetime,
    *,
    percent: int,
    paused: timedelta = timedelta(0),
) -> datetime | None:
    """The instant ``percent`` % of the promised time between ``start`` and ``deadline`` is
    used, on ``clock``; None when warnings are off or there is no time to warn in.

    ``paused`` is the clock time the deadline was moved by for pauses: it is not promised
    time, so the warning comes when (100 - percent) % of the promise is left, wherever the
    pauses fell.
    """
    if percent <= 0:
        return None
    span = business_time_between(clock, start, deadline)
    promised = max(span - paused, timedelta(0))
    left = promised * (100 - percent) // 100
    if not left:
        return None
    return add_business_time(clock, start, span - left)


def _order(step: Step) -> tuple[datetime, int]:
    # Same instant (a catch-up, a zero delay): warning, then breach, then the head.
    return (utc(step.at), _STEP_ORDER[step.kind])


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
