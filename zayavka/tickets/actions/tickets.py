"""Tickets themselves: opening one, and its status, priority, category, contract and
deadlines (R10, R23, R25). The SLA clock and the escalation scanner's next check move
with every change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zayavka.accounts.models import Contact, Contract, Organization, Team, User
from zayavka.sla import escalation
from zayavka.sla import service as sla
from zayavka.tickets import access, catalog, fulltext, notifications
from zayavka.tickets.actions.events import iso_utc, lock_ticket, record_event
from zayavka.tickets.models import (
    Category,
    CategoryField,
    EventKind,
    Priority,
    Status,
    StatusCategory,
    Ticket,
    TicketCounter,
)

COUNTER = "ticket"


def next_ticket_number() -> int:
    """The next public ticket number; gap-free except for rolled-back intakes."""
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value",  # noqa: S608
            [COUNTER],
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    with transaction.atomic():
        TicketCounter.objects.get_or_create(
            name=COUNTER, defaults={"value": settings.ZAYAVKA_TICKET_NUMBER_START - 1}
        )
    return next_ticket_number()


def open_ticket(
    *,
    subject: str,
    requester: Contact,
    channel: str,
    priority: Priority,
    organization: Organization | None = None,
    contract: Contract | None = None,
    identified_by: str = "",
    category: Category | None = None,
    team: Team | None = None,
    urgency: str = "normal",
    fields: dict[str, str] | None = None,
    verification: str = "none",
    flag_reason: str = "",
    at: datetime | None = None,
    actor_user: User | None = None,
    inbound: bool = True,
) -> Ticket:
    """Register a new ticket with its number, in status «new», its deadlines and the
    escalation scanner's first check, with the requester as its first participant, and
    record it (CREATED). Channels open tickets through `intake.receive`, which calls this.
    """
    # No savepoint: intake opens tickets in its own transaction and quarantines the input
    # when anything here fails; a savepoint would cost two round trips on every one.
    with transaction.atomic(savepoint=False):
        now = at or timezone.now()
        status = catalog.status_for(StatusCategory.NEW)
        deadlines = sla.compute_deadlines(contract=contract, priority=priority, start=now)
        ticket = Ticket(
            number=next_ticket_number(),
            subject=subject or "—",
            requester=requester,
            organization=organization,
            contract=contract,
            identified_by=identified_by,
            category=category,
            team=team if team is not None else (category.team if category else None),
            fields=fields or {},
            urgency=urgency,
            priority=priority,
            status=status,
            state=status.category,
            channel=channel,
            verification=verification,
            is_flagged=bool(flag_reason),
            flag_reason=flag_reason,
            created_at=now,
            updated_at=now,
            last_inbound_at=now if inbound else None,
            first_response_due=deadlines.first_response_due,
            resolution_due=deadlines.resolution_due,
        )
        ticket.sla_next_check_at = escalation.next_check_at(ticket)
        ticket.save(force_insert=True)
        Ticket.participants.through.objects.create(ticket=ticket, contact=requester)
        fulltext.index_new_ticket(ticket.pk, ticket.subject, requester.name)
        record_event(
            ticket,
            EventKind.CREATED,
            actor_user=actor_user,
            actor_contact=requester,
            channel=channel,
            at=now,
            data={
                "number": ticket.number,
                "priority": priority.slug,
                "organization": organization.pk if organization else None,
                "contract": contract.pk if contract else None,
                "identified_by": identified_by,
                "verification": verification,
                "flag": flag_reason,
            },
        )
    return ticket


def change_status(
    ticket: Ticket,
    status: Status,
    *,
    actor_user: User | None = None,
    actor_contact: Contact | None = None,
    channel: str = "",
    event_kind: str = EventKind.STATUS,
    reason: str = "",
    at: datetime | None = None,
) -> bool:
    """Move the ticket to `status`, stamping resolved/closed times, and record it.
    Returns False when the ticket already was in that status.

    The ticket's row is locked and re-read first, so the STATUS event's "from" is the
    status really replaced. PermissionDenied when `actor_user` may not work on the
    ticket (an agent outside its restricted team; anyone who is not an agent); a
    requester's own moves go through `lifecycle`, which checks them. A move into
    «resolved» queues the resolution notice with the rating link (R15, R18).
    """
    with transaction.atomic():
        lock_ticket(ticket)
        access.check_may_work(actor_user, ticket)
        if status.pk == ticket.status_id:
            return False
        now = at or timezone.now()
        before = catalog.status(ticket.status_id).slug
        ticket.status = status
        ticket.state = status.category
        ticket.updated_at = now
        update_fields = ["status", "state", "updated_at"]
        if status.category == StatusCategory.RESOLVED:
            ticket.resolved_at = now
            update_fields.append("resolved_at")
        elif status.category == StatusCategory.CLOSED:
            ticket.closed_at = now
            update_fields.append("closed_at")
        elif status.category in {StatusCategory.OPEN, StatusCategory.NEW}:
            ticket.resolved_at = None
            ticket.closed_at = None
            update_fields += ["resolved_at", "closed_at"]
        update_fields += _move_sla_clock(ticket, status.category, now)
        ticket.save(update_fields=update_fields)
        record_event(
            ticket,
            event_kind,
            actor_user=actor_user,
            actor_contact=actor_contact,
            channel=channel,
            at=now,
            data={"from": before, "to": status.slug, **({"reason": reason} if reason else {})},
        )
        if status.category == StatusCategory.RESOLVED:
            notifications.notify_resolved(ticket)
    return True


def _move_sla_clock(ticket: Ticket, category: str, now: datetime) -> list[str]:
    """Pause the resolution clock while the ball is with the requester; resume it after.

    The escalation scanner's next check follows: none while paused, resolved or closed.
    """
    changed: list[str] = []
    if category in {StatusCategory.PENDING, StatusCategory.RESOLVED}:
        if ticket.sla_paused_at is None:
            ticket.sla_paused_at = now
            changed = ["sla_paused_at"]
    elif category in {StatusCategory.OPEN, StatusCategory.NEW} and ticket.sla_paused_at:
        resumed = sla.resume_ticket_clock(ticket, paused_at=ticket.sla_paused_at, resumed_at=now)
        ticket.resolution_due = resumed.resolution_due
        ticket.sla_paused += resumed.credit
        ticket.sla_paused_at = None
        changed = ["resolution_due", "sla_paused", "sla_paused_at"]
    return changed + refresh_next_check(ticket)


def refresh_next_check(ticket: Ticket) -> list[str]:
    """Point the escalation scanner's next check at the ticket's earliest pending step;
    the fields changed, for the caller's save."""
    check = escalation.next_check_at(ticket)
    if check == ticket.sla_next_check_at:
        return []
    ticket.sla_next_check_at = check
    return ["sla_next_check_at"]


def record_first_response(ticket: Ticket, now: datetime) -> None:
    """The desk's first public reply meets the first-response deadline (no more warnings)."""
    ticket.first_responded_at = now
    fields = ["first_responded_at", *refresh_next_check(ticket)]
    ticket.save(update_fields=fields)


def change_priority(
    ticket: Ticket,
    priority: Priority,
    *,
    actor_user: User | None = None,
    channel: str = "",
    at: datetime | None = None,
) -> bool:
    """Give the ticket another priority; its deadlines follow the new target (R25).
    Returns False when it already had it.

    Records a PRIORITY event, and a DEADLINES event with the old and new due dates when
    they move (see `recompute_deadlines`). Any code that changes a ticket's priority goes
    through here, so that its deadlines and escalations never lag behind. The row is
    locked; PermissionDenied when `actor_user` may not work on the ticket.
    """
    with transaction.atomic():
        lock_ticket(ticket)
        access.check_may_work(actor_user, ticket)
        if priority.pk == ticket.priority_id:
            return False
        now = at or timezone.now()
        before = catalog.priority(ticket.priority_id).slug
        ticket.priority = priority
        ticket.updated_at = max(ticket.updated_at, now)
        record_event(
            ticket,
            EventKind.PRIORITY,
            actor_user=actor_user,
            channel=channel,
            at=now,
            data={"from": before, "to": priority.slug},
        )
        fields = recompute_deadlines(
            ticket, reason="priority", actor_user=actor_user, channel=channel, at=now
        )
        ticket.save(update_fields=["priority", "updated_at", *fields])
    return True


def change_category(
    ticket: Ticket,
    category: Category | None,
    answers: Mapping[str, str],
    *,
    by: User | None = None,
    channel: str = "",
    at: datetime | None = None,
) -> bool:
    """Put the ticket in `category` with `answers` to that category's form, already
    checked (see `tickets.forms.CategoryAnswersForm`). Returns False when nothing changed;
    PermissionDenied when `by` may not work on the ticket.

    The new form's fields take the given answers (an empty one is cleared). Answers to
    the old category's fields that the new one does not ask for are dropped, answers no
    form asks about (from the API, say) stay. One FIELDS event records the old and new
    category and each changed answer with its old and new value, so a dropped answer is
    still in the history. The team and the assignee stay: re-routing is the agent's call.
    The ticket's row is locked while it is read and written, so that the event's old
    values are the ones really replaced even when two agents save at once.
    """
    with transaction.atomic():
        lock_ticket(ticket)
        access.check_may_work(by, ticket)
        old_category_id, stored = ticket.category_id, ticket.fields
        before: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
        new_keys = _form_keys(category.pk if category is not None else None)
        asked = set(new_keys) | set(_form_keys(old_category_id))
        after = {k: answers[k] for k in new_keys if str(answers.get(k, "")).strip()}
        after.update({k: v for k, v in before.items() if k not in asked})
        changes = [
            {"key": key, "from": before.get(key, ""), "to": after.get(key, "")}
            for key in dict.fromkeys([*new_keys, *before, *after])
            if before.get(key, "") != after.get(key, "")
        ]
        new_category_id = category.pk if category is not None else None
        if new_category_id == old_category_id and not changes:
            return False
        # "form": whose labels name the fields in the history, even when nothing else moved.
        data: dict[str, Any] = {"form": new_category_id, "fields": changes}
        if new_category_id != old_category_id:
            data["category"] = {"from": old_category_id, "to": new_category_id}
        now = at or timezone.now()
        ticket.category = category
        ticket.fields = after
        ticket.updated_at = max(ticket.updated_at, now)
        ticket.save(update_fields=["category", "fields", "updated_at"])
        record_event(ticket, EventKind.FIELDS, actor_user=by, channel=channel, at=now, data=data)
    return True


def _form_keys(category_id: int | None) -> list[str]:
    """The keys a category's form asks for, in the form's order."""
    if category_id is None:
        return []
    return list(CategoryField.objects.filter(category_id=category_id).values_list("key", flat=True))


def change_contract(
    ticket: Ticket,
    contract: Contract | None,
    *,
    actor_user: User | None = None,
    channel: str = "",
    at: datetime | None = None,
) -> bool:
    """Put the ticket under another contract (or none); its deadlines follow that
    contract's SLA plan and hours. The organization becomes the contract's. Returns
    False when the ticket already was under it.

    Records a CLIENT event, and a DEADLINES event when the due dates move. The row is
    locked; PermissionDenied when `actor_user` may not work on the ticket.
    """
    with transaction.atomic():
        lock_ticket(ticket)
        access.check_may_work(actor_user, ticket)
        if (contract.pk if contract is not None else None) == ticket.contract_id:
            return False
        now = at or timezone.now()
        before = ticket.contract_id
        ticket.contract = contract
        fields = ["contract", "updated_at"]
        if contract is not None and contract.organization_id != ticket.organization_id:
            ticket.organization_id = contract.organization_id
            fields.append("organization")
        ticket.updated_at = max(ticket.updated_at, now)
        record_event(
            ticket,
            EventKind.CLIENT,
            actor_user=actor_user,
            channel=channel,
            at=now,
            data={
                "contract": contract.pk if contract is not None else None,
                "from": before,
                "organization": ticket.organization_id,
            },
        )
        fields += recompute_deadlines(
            ticket, reason="contract", actor_user=actor_user, channel=channel, at=now
        )
        ticket.save(update_fields=fields)
    return True


def recompute_deadlines(
    ticket: Ticket,
    *,
    reason: str,
    actor_user: User | None = None,
    channel: str = "",
    at: datetime | None = None,
) -> list[str]:
    """Recompute the due dates from the ticket's creation under its current contract and
    priority, the finished pauses added, and the scanner's next check with them.

    Deadlines already met stay as they were. Records a DEADLINES event with the old and new
    dates when they move. Returns the fields changed; the caller saves them.
    """
    before = {
        "first_response_due": ticket.first_response_due,
        "resolution_due": ticket.resolution_due,
    }
    fields = sla.stamp_ticket_deadlines(ticket, paused=ticket.sla_paused)
    fields += refresh_next_check(ticket)
    moved = {
        name: {"from": iso_utc(old), "to": iso_utc(getattr(ticket, name))}
        for name, old in before.items()
        if name in fields
    }
    if moved:
        record_event(
            ticket,
            EventKind.DEADLINES,
            actor_user=actor_user,
            channel=channel,
            at=at,
            data={"reason": reason, **moved},
        )
    return fields
