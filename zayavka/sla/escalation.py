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
`next_check_at`. The scanner (`scan`, a periodic job) reads only the tickets whose check is
due, in batches, and runs every step that is due and not yet logged, oldest first: after
downtime it catches up with all of them, once each.

Exactly once. Each step taken is a `SlaEscalation` row, unique per (ticket, deadline
target, step, deadline); the notifications are written in the same transaction as that
row, so the step whose row is committed is the one that notifies. On PostgreSQL a batch
locks its tickets with ``FOR UPDATE SKIP LOCKED``, so two scanners split the work instead
of waiting on each other; SQLite has a single writer. A recomputed deadline is another
deadline, and its steps happen again: a ticket moved to a higher priority is warned
against its new deadline.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from zayavka.accounts.models import Agent, Contract, Team, User
from zayavka.accounts.normalize import email_key
from zayavka.core.refcache import cached
from zayavka.sla import service
from zayavka.sla.business_time import WorkCalendar, add_business_time, business_time_between
from zayavka.sla.models import SlaEscalation, SlaPlan
from zayavka.tickets import catalog, notifications
from zayavka.tickets.models import (
    EventKind,
    Outbox,
    Priority,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from zayavka.tickets.threading import make_message_id

log = logging.getLogger(__name__)

Target = SlaEscalation.Target
StepKind = SlaEscalation.Step

#: Tickets per transaction: small enough to keep row locks short, large enough to be cheap.
BATCH = 500
#: A ticket whose calendar cannot be read is looked at again this much later.
RETRY_AFTER = timedelta(hours=1)

EVENT_KIND = {
    StepKind.WARNING: EventKind.SLA_WARNING,
    StepKind.BREACH: EventKind.SLA_BREACH,
    StepKind.HEAD: EventKind.ESCALATED,
}
TEMPLATE = {
    StepKind.WARNING: "sla_warning",
    StepKind.BREACH: "sla_breach",
    StepKind.HEAD: "sla_escalated",
}
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


@dataclass
class ScanReport:
    """What one pass of the scanner did."""

    tickets: int = 0  # tickets whose check was due
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0  # steps that told the head of the helpdesk
    emails: int = 0
    failed: int = 0  # tickets skipped because their calendar could not be read

    @property
    def steps(self) -> int:
        return self.warnings + self.breaches + self.escalations


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
        if (target, StepKind.WARNING, _utc(deadline)) not in done:
            warning = warning_at(
                clock, ticket.created_at, deadline, percent=plan.warning_percent, paused=paused
            )
            if warning is not None:
                steps.append(Step(warning, target, StepKind.WARNING, deadline))
        for kind, at in ((StepKind.BREACH, deadline), (StepKind.HEAD, deadline + head_after)):
            if (target, kind, _utc(deadline)) not in done:
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
    return (_utc(step.at), _STEP_ORDER[step.kind])


# --- the scanner --------------------------------------------------------------------------

#: The ticket columns a pass reads; related rows are loaded once per batch.
_SCAN_FIELDS = (
    "number",
    "key",
    "subject",
    "state",
    "contract",
    "priority",
    "team",
    "assignee",
    "created_at",
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "sla_paused_at",
    "sla_paused",
    "resolved_at",
    "closed_at",
    "sla_next_check_at",
)


def scan(now: datetime | None = None, batch: int = BATCH) -> ScanReport:
    """One pass: run every due escalation step of every ticket whose check is due.

    Guarantees: each step of each deadline is logged, recorded in the ticket's history and
    notified exactly once, however many scanners run and however long they were down; a
    ticket leaves the pass with ``sla_next_check_at`` at its next pending step (later than
    ``now``) or NULL.
    """
    now = now or timezone.now()
    report = ScanReport()
    heads = _heads()
    while True:
        with transaction.atomic():
            tickets = list(due_tickets(now)[:batch])
            if tickets:
                _escalate(tickets, now, heads, report)
        if len(tickets) < batch:
            break
    if report.tickets:
        log.info(
            "SLA scan",
            extra={
                "tickets": report.tickets,
                "warnings": report.warnings,
                "breaches": report.breaches,
                "escalations": report.escalations,
                "failed": report.failed,
            },
        )
    return report


def due_tickets(now: datetime) -> QuerySet[Ticket]:
    """Tickets whose check is due, oldest first, locked for this transaction (PostgreSQL:
    rows another scanner holds are skipped). Reads the partial index on the check time."""
    return (
        Ticket.objects.filter(sla_next_check_at__lte=now)
        .order_by("sla_next_check_at")
        .only(*_SCAN_FIELDS)
        .select_for_update(skip_locked=True)
    )


class _People(NamedTuple):
    """Who works on a ticket, from the rows loaded for its batch."""

    assignee: User | None
    team: Team | None
    lead: User | None


def _escalate(tickets: list[Ticket], now: datetime, heads: list[User], report: ScanReport) -> None:
    taken: dict[int, set[StepKey]] = {}
    for ticket_id, target, kind, deadline in SlaEscalation.objects.filter(
        ticket__in=tickets
    ).values_list("ticket_id", "target", "step", "deadline"):
        taken.setdefault(ticket_id, set()).add((target, kind, _utc(deadline)))
    # A batch shares a few contracts, teams and people: one query each, not one per ticket.
    contracts = Contract.objects.select_related("calendar").in_bulk(
        {t.contract_id for t in tickets if t.contract_id is not None}
    )
    teams = Team.objects.in_bulk({t.team_id for t in tickets if t.team_id is not None})
    users = User.objects.in_bulk(
        {t.assignee_id for t in tickets if t.assignee_id is not None}
        | {team.lead_id for team in teams.values() if team.lead_id is not None}
    )
    priorities = {priority.pk: priority for priority in catalog.priorities()}
    rules: dict[tuple[int | None, int], Rules] = {}
    due: list[tuple[Ticket, Step]] = []
    for ticket in tickets:
        report.tickets += 1
        key = (ticket.contract_id, ticket.priority_id)
        try:
            if key not in rules:
                priority = priorities.get(ticket.priority_id) or ticket.priority
                rules[key] = rules_for(contracts.get(ticket.contract_id or 0), priority)
            pending = pending_steps(ticket, done=taken.get(ticket.pk, ()), rules=rules[key])
        except ValueError:
            log.exception("SLA scan: unreadable calendar", extra={"ticket": ticket.number})
            report.failed += 1
            ticket.sla_next_check_at = now + RETRY_AFTER
            continue
        due += [(ticket, step) for step in pending if step.at <= now]
        ticket.sla_next_check_at = min((s.at for s in pending if s.at > now), default=None)
    # The log first: should a row exist already, the batch rolls back and notifies nobody.
    SlaEscalation.objects.bulk_create(
        SlaEscalation(
            ticket_id=ticket.pk,
            target=step.target,
            step=step.kind,
            deadline=step.deadline,
            created_at=now,
        )
        for ticket, step in due
    )
    events, emails = [], []
    queued_at = timezone.now()
    for ticket, step in due:
        team = teams.get(ticket.team_id or 0)
        people = _People(
            assignee=users.get(ticket.assignee_id or 0),
            team=team,
            lead=users.get(team.lead_id or 0) if team is not None else None,
        )
        mails = _emails(ticket, step, people, heads, queued_at)
        emails += mails
        told = [mail.recipient for mail in mails]
        report.emails += len(told)
        if step.kind == StepKind.WARNING:
            report.warnings += 1
        elif step.kind == StepKind.BREACH:
            report.breaches += 1
        else:
            report.escalations += 1
        events.append(
            TicketEvent(
                ticket_id=ticket.pk,
                kind=EVENT_KIND[StepKind(step.kind)],
                data={
                    "target": step.target,
                    "step": step.kind,
                    "deadline": _utc(step.deadline).isoformat(),
                    "due_at": _utc(step.at).isoformat(),
                    "told": told,
                },
                created_at=now,
            )
        )
    TicketEvent.objects.bulk_create(events)
    Outbox.objects.bulk_create(emails, ignore_conflicts=True)
    _store_next_checks(tickets)


def _store_next_checks(tickets: list[Ticket]) -> None:
    if connection.vendor != "postgresql":
        Ticket.objects.bulk_update(tickets, ["sla_next_check_at"])
        return
    # bulk_update's CASE over a batch costs more than the rest of the pass; one UPDATE
    # joined to the arrays of ids and instants does the same in a fraction of the time.
    meta = Ticket._meta
    pk_column, check_column = meta.pk.column, meta.get_field("sla_next_check_at").column
    assert pk_column is not None and check_column is not None
    quote = connection.ops.quote_name
    table, pk, column = quote(meta.db_table), quote(pk_column), quote(check_column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = v.at"  # noqa: S608 (names from the model)
            f" FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(pk, at) WHERE {pk} = v.pk",
            [[t.pk for t in tickets], [t.sla_next_check_at for t in tickets]],
        )


# --- who is told --------------------------------------------------------------------------


class _Recipient(NamedTuple):
    email: str
    language: str


def _emails(
    ticket: Ticket, step: Step, people: _People, heads: list[User], queued_at: datetime
) -> list[Outbox]:
    """The outbox rows that tell the step's recipients.

    These are the rows `notifications.queue_email` writes, made here so that a pass
    inserts thousands of them in one statement. They are not capped like automatic mail
    to requesters: a burst of breaches is when each one must reach the lead and the head,
    and staff mailboxes cannot loop with us (their auto-replies are machine mail).
    """
    recipients = _recipients(step.kind, people, heads)
    if not recipients:
        log.warning(
            "SLA step with nobody to tell", extra={"ticket": ticket.number, "step": step.kind}
        )
    context = {
        **notifications.ticket_context(ticket, echo=True),
        "ticket_number": ticket.number,  # for the link to the workspace
        "target": step.target,
        "deadline": notifications.local_time(step.deadline),
        "assignee": _name(people.assignee) if people.assignee is not None else "",
        "team": people.team.name if people.team is not None else "",
        "message_id": make_message_id(ticket.number),
        "in_reply_to": "",
    }
    stamp = _utc(step.deadline).strftime("%Y%m%dT%H%M%S.%f")
    return [
        Outbox(
            kind=Outbox.Kind.EMAIL,
            dedupe_key=f"sla:{ticket.pk}:{step.target}:{step.kind}:{stamp}:{address}"[:300],
            ticket_id=ticket.pk,
            recipient=address,
            template=TEMPLATE[StepKind(step.kind)],
            automatic=False,
            language=recipient.language or settings.LANGUAGE_CODE,
            context=context,
            next_attempt_at=queued_at,
            created_at=queued_at,
        )
        for recipient in recipients
        if (address := email_key(recipient.email)[:320])
    ]


def _recipients(kind: str, people: _People, heads: list[User]) -> list[_Recipient]:
    """Warning: the assignee, or the team lead when nobody is assigned; breach: both;
    head: every head of the helpdesk. The team's address when there is nobody else."""
    candidates: list[User | None]
    if kind == StepKind.WARNING:
        candidates = [people.assignee or people.lead]
    elif kind == StepKind.BREACH:
        candidates = [people.assignee, people.lead]
    else:
        candidates = list(heads)
    found: dict[str, _Recipient] = {}
    for user in candidates:
        if user is not None and user.email and user.is_active:
            found.setdefault(email_key(user.email), _Recipient(user.email, user.language))
    if not found and kind != StepKind.HEAD and people.team is not None and people.team.email:
        # Nobody assigned and no lead: the team's shared address is better than silence.
        found[email_key(people.team.email)] = _Recipient(people.team.email, "")
    if not found and kind == StepKind.HEAD:
        head_email = notifications.escalation_contact().get("head_email", "")
        if head_email:
            found[email_key(head_email)] = _Recipient(head_email, "")
    return list(found.values())


def _heads() -> list[User]:
    """Every head of the helpdesk (R26); read once per pass."""
    return [
        agent.user
        for agent in Agent.objects.filter(is_head=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ]


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
