"""The only code that writes tickets, messages and their history.

Every function here expects to run inside a transaction (intake, views and
the API open it) and writes a TicketEvent for what it changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zayavka.accounts.models import Contact, Contract, Organization, Team, User
from zayavka.sla import escalation
from zayavka.sla import service as sla
from zayavka.tickets import catalog, notifications
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import (
    Attachment,
    Category,
    CategoryField,
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
    withheld: dict[int, str] | None = None,
    meta: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Message:
    """Append a message to the ticket's thread; attachments must already be stored.

    `withheld` maps positions in `attachments` to why the channel policy keeps that
    file out of the thread: it is stored all the same, flagged, and the event says so.
    """
    held = withheld or {}
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
            withheld=index in held,
            withheld_reason=held.get(index, "")[:300],
        )
        for index, att in enumerate(attachments)
    ]
    if rows:
        Attachment.objects.bulk_create(rows)
    kept_out = [row for row in rows if row.withheld]
    updates: dict[str, Any] = {"updated_at": now}
    if direction == Message.Direction.INBOUND and kind == Message.Kind.REPLY:
        updates["last_inbound_at"] = now
    if any(getattr(ticket, name) != value for name, value in updates.items()):
        Ticket.objects.filter(pk=ticket.pk).update(**updates)
        for name, value in updates.items():
            setattr(ticket, name, value)
    if (
        direction == Message.Direction.OUTBOUND
        and kind == Message.Kind.REPLY
        and author_user is not None
        and ticket.first_responded_at is None
    ):
        _record_first_response(ticket, now)
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
            **({"withheld": len(kept_out)} if kept_out else {}),
        },
    )
    if kept_out:
        record_event(
            ticket,
            EventKind.ATTACHMENT_WITHHELD,
            actor_contact=author_contact,
            channel=channel,
            at=now,
            data={
                "message": message.pk,
                "attachments": [
                    {
                        "id": r.pk,
                        "filename": r.filename,
                        "size": r.size,
                        "reason": r.withheld_reason,
                    }
                    for r in kept_out
                ],
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
    return changed + _refresh_next_check(ticket)


def _refresh_next_check(ticket: Ticket) -> list[str]:
    check = escalation.next_check_at(ticket)
    if check == ticket.sla_next_check_at:
        return []
    ticket.sla_next_check_at = check
    return ["sla_next_check_at"]


def _record_first_response(ticket: Ticket, now: datetime) -> None:
    """The desk's first public reply meets the first-response deadline (no more warnings)."""
    ticket.first_responded_at = now
    fields = ["first_responded_at", *_refresh_next_check(ticket)]
    ticket.save(update_fields=fields)


def change_priority(
    ticket: Ticket,
    priority: Priority,
    *,
    actor_user: User | None = None,
    channel: str = "",
    at: datetime | None = None,
) -> None:
    """Give the ticket another priority; its deadlines follow the new target (R25).

    Records a PRIORITY event, and a DEADLINES event with the old and new due dates when
    they move (see `recompute_deadlines`). Any code that changes a ticket's priority goes
    through here, so that its deadlines and escalations never lag behind.
    """
    if priority.pk == ticket.priority_id:
        return
    now = at or timezone.now()
    before = ticket.priority.slug
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
    checked (see `phone.form_answers`). Returns False when nothing changed.

    The new form's fields take the given answers (an empty one is cleared). Answers to
    the old category's fields that the new one does not ask for are dropped, answers no
    form asks about (from the API, say) stay. One FIELDS event records the old and new
    category and each changed answer with its old and new value, so a dropped answer is
    still in the history. The team and the assignee stay: re-routing is the agent's call.
    The ticket's row is locked while it is read and written, so that the event's old
    values are the ones really replaced even when two agents save at once.
    """
    with transaction.atomic():
        old_category_id, stored = (
            Ticket.objects.select_for_update()
            .values_list("category_id", "fields")
            .get(pk=ticket.pk)
        )
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
) -> None:
    """Put the ticket under another contract (or none); its deadlines follow that
    contract's SLA plan and hours. The organization becomes the contract's.

    Records a CLIENT event, and a DEADLINES event when the due dates move.
    """
    if (contract.pk if contract is not None else None) == ticket.contract_id:
        return
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


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def link_tickets(source: Ticket, target: Ticket, kind: str, *, channel: str = "") -> None:
    _, created = TicketLink.objects.get_or_create(source=source, target=target, kind=kind)
    if created:
        record_event(
            source, EventKind.LINKED, channel=channel, data={"kind": kind, "ticket": target.number}
        )
