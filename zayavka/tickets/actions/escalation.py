"""The SLA scanner's steps (R25, R26): warn before a deadline, tell on a breach, then the
head of the helpdesk. When each step falls due is `zayavka.sla.escalation`'s; this action
takes the due steps, each exactly once, and tells people.

Exactly once. Each step taken is a `SlaEscalation` row, unique per (ticket, deadline
target, step, deadline); the notices are written in the same transaction as that row, so
the step whose row is committed is the one that notifies. On PostgreSQL a batch locks its
tickets with ``FOR UPDATE SKIP LOCKED``, so two scanners split the work instead of waiting
on each other; SQLite has a single writer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from zayavka.accounts.models import Agent, Contract, Team, User
from zayavka.accounts.normalize import email_key
from zayavka.sla.escalation import (
    Rules,
    Step,
    StepKey,
    StepKind,
    pending_steps,
    rules_for,
    utc,
)
from zayavka.sla.models import SlaEscalation
from zayavka.tickets import catalog, notices, notifications
from zayavka.tickets.models import EventKind, Outbox, Ticket, TicketEvent
from zayavka.tickets.notices import Audience
from zayavka.webhooks import emit as webhooks

log = logging.getLogger(__name__)

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
        taken.setdefault(ticket_id, set()).add((target, kind, utc(deadline)))
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
                    "deadline": utc(step.deadline).isoformat(),
                    "due_at": utc(step.at).isoformat(),
                    "told": told,
                },
                created_at=now,
            )
        )
    TicketEvent.objects.bulk_create(events)
    webhooks.emit(events, {ticket.pk: ticket for ticket in tickets})
    notices.queue(emails)
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
    """The outbox rows that tell the step's recipients, queued with the batch's others in
    one statement. They are not capped like automatic mail to requesters: a burst of
    breaches is when each one must reach the lead and the head, and staff mailboxes
    cannot loop with us (their auto-replies are machine mail).
    """
    recipients = _recipients(step.kind, people, heads)
    if not recipients:
        log.warning(
            "SLA step with nobody to tell", extra={"ticket": ticket.number, "step": step.kind}
        )
    context = {
        "target": step.target,
        "deadline": notices.local_time(step.deadline),
        "assignee": people.assignee.display_name if people.assignee is not None else "",
        "team": people.team.name if people.team is not None else "",
    }
    stamp = utc(step.deadline).strftime("%Y%m%dT%H%M%S.%f")
    rows = []
    for recipient in recipients:
        address = email_key(recipient.email)
        row = notices.build(
            ticket=ticket,
            audience=Audience.DESK,
            recipient=address,
            template=TEMPLATE[StepKind(step.kind)],
            dedupe_key=f"sla:{ticket.pk}:{step.target}:{step.kind}:{stamp}:{address}",
            language=recipient.language,
            automatic=False,
            context=context,
            at=queued_at,
        )
        if row is not None:
            rows.append(row)
    return rows


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
