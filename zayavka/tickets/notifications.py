"""What intake and actions tell people: rows in the outbox, written in the same transaction.

Nothing is sent here. The worker's dispatcher polls the outbox (an indexed query
every second) and delivers what is due, so a rolled-back transaction sends
nothing and a crash after commit loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from zayavka.accounts.models import Agent, Contact, User
from zayavka.core.refcache import cached, clear_on_change
from zayavka.tickets.models import Outbox, Ticket
from zayavka.tickets.threading import make_message_id


def queue_email(
    *,
    ticket: Ticket,
    recipient: str,
    template: str,
    dedupe_key: str,
    language: str = "",
    context: dict[str, Any] | None = None,
    in_reply_to: str = "",
) -> None:
    """Queue one email; queueing the same dedupe_key again is a no-op."""
    if not recipient:
        return
    now = timezone.now()
    row = Outbox(
        kind=Outbox.Kind.EMAIL,
        dedupe_key=dedupe_key[:300],
        ticket=ticket,
        recipient=recipient[:320],
        template=template,
        language=language or settings.LANGUAGE_CODE,
        context={
            **(context or {}),
            "message_id": make_message_id(ticket.number),
            "in_reply_to": in_reply_to,
        },
        next_attempt_at=now,
        created_at=now,
    )
    Outbox.objects.bulk_create([row], ignore_conflicts=True)


def ticket_context(ticket: Ticket, *, echo: bool) -> dict[str, Any]:
    """What templates may say about a ticket. With echo=False, nothing the sender typed:
    an acknowledgement to an unconfirmed address must not relay a stranger's text."""
    context: dict[str, Any] = {
        "number": ticket.display_number,
        "ticket_key": ticket.key,
        "site_url": settings.SITE_URL,
        "resolution_due": local_time(ticket.resolution_due),
    }
    if echo:
        context["subject"] = ticket.subject
    return context


def local_time(moment: datetime | None) -> str:
    """A deadline as people read it: «25.11.2026 14:30 MSK» in the desk's time zone."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"{local:%d.%m.%Y %H:%M} {local.tzname()}"


def escalation_contact() -> dict[str, str]:
    """The head of the helpdesk, reachable for emergencies and complaints (R26)."""
    head: Agent | None = cached(
        "head_of_desk",
        lambda: Agent.objects.filter(is_head=True).select_related("user").order_by("pk").first(),
    )
    if head is None:
        return {}
    return {
        "head_name": head.user.get_full_name() or head.user.get_username(),
        "head_phone": head.phone,
        "head_email": head.user.email,
    }


def notify_ticket_created(
    ticket: Ticket, requester: Contact, *, in_reply_to: str, echo: bool
) -> None:
    """The registration notice with the ticket number (R10), and the team's heads-up."""
    queue_email(
        ticket=ticket,
        recipient=requester.email,
        template="ticket_created",
        dedupe_key=f"ticket_created:{ticket.pk}:{requester.pk}",
        language=requester.language,
        context={
            **ticket_context(ticket, echo=echo),
            **escalation_contact(),
            "name": requester.name if echo else "",
        },
        in_reply_to=in_reply_to,
    )
    if ticket.team is not None and ticket.team.email:
        queue_email(
            ticket=ticket,
            recipient=ticket.team.email,
            template="agent_new_ticket",
            dedupe_key=f"agent_new_ticket:{ticket.pk}:{ticket.team.pk}",
            context={**ticket_context(ticket, echo=True), "team": ticket.team.name},
        )


def notify_requester_replied(ticket: Ticket, message_pk: int) -> None:
    """Tell the assignee that the requester wrote again."""
    if ticket.assignee is None or not ticket.assignee.email:
        return
    queue_email(
        ticket=ticket,
        recipient=ticket.assignee.email,
        template="agent_requester_replied",
        dedupe_key=f"agent_requester_replied:{message_pk}",
        language=ticket.assignee.language,
        context={**ticket_context(ticket, echo=True), "message": message_pk},
    )


def notify_resolved(ticket: Ticket) -> None:
    """The resolution notice (R15) with one-click rating links (R18)."""
    from zayavka.tickets.lifecycle import rating_token

    requester = ticket.requester
    token = rating_token(ticket)
    assert ticket.resolved_at is not None
    queue_email(
        ticket=ticket,
        recipient=requester.email,
        template="ticket_resolved",
        dedupe_key=f"ticket_resolved:{ticket.pk}:{ticket.resolved_at.isoformat()}",
        language=requester.language,
        context={
            **ticket_context(ticket, echo=ticket.verification != "none"),
            "rating_url": f"{settings.SITE_URL}/rate/{token}/",
            "auto_close_days": (
                ticket.contract.auto_close_days
                if ticket.contract is not None
                else settings.ZAYAVKA_AUTO_CLOSE_DAYS
            ),
        },
    )


clear_on_change(Agent, User)
