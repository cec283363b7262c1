"""The only code that writes tickets, messages and their history.

Every function here expects to run inside a transaction (intake, views and
the API open it) and writes a TicketEvent for what it changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zayavka.accounts.models import Contact, Contract, Organization, Team, User
from zayavka.sla import service as sla
from zayavka.tickets import catalog, notifications
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import (
    Attachment,
    Category,
    EventKind,
    Message,
    Priority,
    RawInput,
    Status,
    StatusCategory,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketLink,
)
from zayavka.tickets.sanitize import sanitize_html

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


def status_for(category: str, slug: str = "") -> Status:
    """The status with `slug` in `category` if it exists, else the category's default."""
    in_category = [s for s in catalog.statuses() if s.category == category]
    for status in in_category:
        if slug and status.slug == slug:
            return status
    if not in_category:
        raise Status.DoesNotExist(f"no status in category {category!r}")
    return in_category[0]


def record_event(
    ticket: Ticket,
    kind: str,
    *,
    data: dict[str, Any] | None = None,
    actor_user: User | None = None,
    actor_contact: Contact | None = None,
    channel: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        data=data or {},
        actor_user=actor_user,
        actor_contact=actor_contact,
        channel=channel,
        created_at=at or timezone.now(),
    )


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
    """Register a new ticket with its number, in status «new», and record it."""
    now = at or timezone.now()
    status = status_for(StatusCategory.NEW)
    deadlines = sla.compute_deadlines(contract=contract, priority=priority, start=now)
    ticket = Ticket.objects.create(
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
    Ticket.participants.through.objects.create(ticket=ticket, contact=requester)
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


def add_message(
    ticket: Ticket,
    *,
    direction: str,
    channel: str,
    text: str,
    html: str = "",
    kind: str = Message.Kind.REPLY,
    subject: str = "",
    author_contact: Contact | None = None,
    author_user: User | None = None,
    external_id: str = "",
    message_id: str = "",
    raw: RawInput | None = None,
    attachments: Iterable[InboundAttachment] = (),
    meta: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Message:
    """Append a message to the ticket's thread; attachments must already be stored."""
    now = at or timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        direction=direction,
        kind=kind,
        channel=channel,
        author_contact=author_contact,
        author_user=author_user,
        subject=subject[:500],
        text=text,
        html=sanitize_html(html) if html else "",
        external_id=external_id[:500],
        message_id=message_id[:500],
        raw=raw,
        meta=meta or {},
        created_at=now,
    )
    rows = [
        Attachment(
            message=message,
            ticket=ticket,
            storage_key=att.storage_key,
            filename=att.filename[:255],
            content_type=att.content_type[:255],
            size=att.byte_size,
            sha256=att.sha256,
            is_inline=att.inline,
            content_id=att.content_id[:300],
        )
        for att in attachments
    ]
    if rows:
        Attachment.objects.bulk_create(rows)
    updates: dict[str, Any] = {"updated_at": now}
    if direction == Message.Direction.INBOUND and kind == Message.Kind.REPLY:
        updates["last_inbound_at"] = now
    if any(getattr(ticket, name) != value for name, value in updates.items()):
        Ticket.objects.filter(pk=ticket.pk).update(**updates)
        for name, value in updates.items():
            setattr(ticket, name, value)
    record_event(
        ticket,
        EventKind.MESSAGE,
        actor_user=author_user,
        actor_contact=author_contact,
        channel=channel,
        at=now,
        data={
            "message": message.pk,
            "direction": direction,
            "kind": kind,
            "attachments": len(rows),
        },
    )
    return message


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
) -> None:
    """Move the ticket to `status`, stamping resolved/closed times, and record it.

    A move into «resolved» queues the resolution notice with the rating link (R15, R18).
    """
    if status.pk == ticket.status_id:
        return
    now = at or timezone.now()
    before = ticket.status.slug
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


def _move_sla_clock(ticket: Ticket, category: str, now: datetime) -> list[str]:
    """Pause the resolution clock while the ball is with the requester; resume it after."""
    if category in {StatusCategory.PENDING, StatusCategory.RESOLVED}:
        if ticket.sla_paused_at is None:
            ticket.sla_paused_at = now
            return ["sla_paused_at"]
    elif category in {StatusCategory.OPEN, StatusCategory.NEW} and ticket.sla_paused_at:
        resumed = sla.resume_ticket_clock(ticket, paused_at=ticket.sla_paused_at, resumed_at=now)
        ticket.resolution_due = resumed.resolution_due
        ticket.sla_paused += resumed.credit
        ticket.sla_paused_at = None
        return ["resolution_due", "sla_paused", "sla_paused_at"]
    return []


def link_tickets(source: Ticket, target: Ticket, kind: str, *, channel: str = "") -> None:
    _, created = TicketLink.objects.get_or_create(source=source, target=target, kind=kind)
    if created:
        record_event(
            source, EventKind.LINKED, channel=channel, data={"kind": kind, "ticket": target.number}
        )
