"""Ticket events that subscriptions asked for, queued as `webhook` outbox rows.

Called where ticket events are written (`actions.events.record_event`, and the SLA
scanner's batch), in the same transaction: an event rolled back tells nobody, and a
committed one is delivered by the worker, with retries, at least once. The payload is
the ticket as it was when the event happened. With no active subscription (the cached
list is empty) this costs nothing per event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from zayavka.core.refcache import cached
from zayavka.tickets import catalog, notices
from zayavka.tickets.models import EventKind, Message, Outbox, Ticket, TicketEvent
from zayavka.webhooks.models import Event, Subscription

_BY_KIND = {
    EventKind.CREATED: Event.TICKET_CREATED,
    EventKind.STATUS: Event.STATUS_CHANGED,
    EventKind.REOPENED: Event.STATUS_CHANGED,
    EventKind.SLA_WARNING: Event.SLA_WARNING,
    EventKind.SLA_BREACH: Event.SLA_BREACH,
    EventKind.RATED: Event.RATED,
}


@dataclass(frozen=True)
class _Target:
    pk: int
    url: str
    events: frozenset[str]


def _targets() -> list[_Target]:
    return cached(
        "webhook_subscriptions",
        lambda: [
            _Target(s.pk, s.url, frozenset(s.events if isinstance(s.events, list) else ()))
            for s in Subscription.objects.filter(is_active=True)
        ],
    )


def event_name(event: TicketEvent) -> str | None:
    """The webhook event a ticket event is, if any."""
    if event.kind == EventKind.MESSAGE:
        data = event.data if isinstance(event.data, dict) else {}
        if data.get("kind") == Message.Kind.REPLY and data.get("direction") == "out":
            return Event.PUBLIC_REPLY
        return None
    return _BY_KIND.get(EventKind(event.kind)) if event.kind in EventKind.values else None


def emit(events: Sequence[TicketEvent], tickets: Mapping[int, Ticket]) -> None:
    """Queue a delivery of each event to each active subscription that asked for it."""
    targets = _targets()
    if not targets:
        return
    rows: list[Outbox | None] = []
    now = timezone.now()
    for event in events:
        name = event_name(event)
        if name is None:
            continue
        wanting = [t for t in targets if name in t.events]
        ticket = tickets.get(event.ticket_id)
        if not wanting or ticket is None:
            continue
        payload = _payload(name, event, ticket)
        for target in wanting:
            row = Outbox(
                kind=Outbox.Kind.WEBHOOK,
                dedupe_key=f"webhook:{target.pk}:{event.pk}",
                ticket=ticket,
                recipient=target.url[:320],
                template=name,
                automatic=True,
                state=Outbox.State.PENDING,
                context={"subscription": target.pk, "payload": payload},
                next_attempt_at=now,
                created_at=now,
            )
            rows.append(row)
    if rows:
        notices.queue(rows)


def _payload(name: str, event: TicketEvent, ticket: Ticket) -> dict[str, Any]:
    data = event.data if isinstance(event.data, dict) else {}
    return {
        "id": f"evt_{event.pk}",
        "event": name,
        "occurred_at": event.created_at.isoformat(),
        "actor": (
            {"type": "user", "id": event.actor_user_id}
            if event.actor_user_id
            else {"type": "contact", "id": event.actor_contact_id}
            if event.actor_contact_id
            else None
        ),
        "ticket": {
            "number": ticket.number,
            "display_number": ticket.display_number,
            "subject": ticket.subject,
            "status": catalog.status(ticket.status_id).slug,
            "state": ticket.state,
            "priority": catalog.priority(ticket.priority_id).slug,
            "requester_id": ticket.requester_id,
            "organization_id": ticket.organization_id,
            "team_id": ticket.team_id,
            "assignee_id": ticket.assignee_id,
            "url": settings.SITE_URL + reverse("workspace:ticket", args=[ticket.number]),
        },
        "data": _details(name, data),
    }


def _details(name: str, data: dict[str, Any]) -> dict[str, Any]:
    if name == Event.STATUS_CHANGED:
        return {k: data[k] for k in ("from", "to", "reason") if k in data}
    if name == Event.PUBLIC_REPLY:
        text = Message.objects.filter(pk=int(data.get("message") or 0)).values_list(
            "text", flat=True
        )
        return {"message_id": data.get("message"), "text": text.first() or ""}
    if name in {Event.SLA_WARNING, Event.SLA_BREACH}:
        return {k: data[k] for k in ("target", "deadline", "due_at") if k in data}
    if name == Event.RATED:
        return {k: data[k] for k in ("score", "resolved_at") if k in data}
    return {}
