"""What every action shares: the history row it records and the ticket lock it takes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import ForeignKey
from django.utils import timezone

from zayavka.accounts.models import Contact, User
from zayavka.tickets.models import Ticket, TicketEvent
from zayavka.webhooks import emit as webhooks


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
    """One entry of the ticket's history (R32): who did what, when, through which channel.
    Webhook subscriptions that asked for such an event get it queued (`webhooks.emit`)."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        data=data or {},
        actor_user=actor_user,
        actor_contact=actor_contact,
        channel=channel,
        created_at=at or timezone.now(),
    )
    webhooks.emit([event], {ticket.pk: ticket})
    return event


def lock_ticket(ticket: Ticket) -> None:
    """Lock the ticket's row for the caller's transaction and bring `ticket` up to date
    with what is committed, so that the action decides on the row it will write.

    PostgreSQL: SELECT … FOR UPDATE (locking a row this transaction holds already costs
    one read). SQLite has one writer at a time: nothing to lock, the row is re-read.
    """
    fresh = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    for field in Ticket._meta.concrete_fields:
        value = getattr(fresh, field.attname)
        if getattr(ticket, field.attname) == value:
            continue  # a related row loaded with the ticket stays loaded
        setattr(ticket, field.attname, value)
        if isinstance(field, ForeignKey) and field.is_cached(ticket):
            field.delete_cached_value(ticket)


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None
