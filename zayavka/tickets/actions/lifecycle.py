"""What happens to a ticket after the desk's answer: the requester's «problem solved»,
«reopen» and rating (R15, R16, R18), auto-close after the quiet period (R17), and
closing without a reply (R29).

The requester's actions take the contact who acts: it must be one who sees the ticket
in the portal (`access.contact_sees`); PermissionDenied otherwise.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zayavka.accounts.models import Channel, Contact, Contract, User
from zayavka.tickets import access, catalog
from zayavka.tickets.actions.events import lock_ticket, record_event
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import EventKind, StatusCategory, Ticket, TicketRating

log = logging.getLogger(__name__)

#: What the requester may call solved: anything the desk has not finished.
_SOLVABLE = frozenset({StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.PENDING})


def auto_close(now: datetime | None = None) -> int:
    """Close resolved tickets whose requester stayed silent for the contract's quiet period.

    Safe to run on two machines at once (each ticket is re-checked under a row lock)
    and after downtime (everything overdue is closed in one pass).
    """
    now = now or timezone.now()
    default_days: int = settings.ZAYAVKA_AUTO_CLOSE_DAYS
    periods = set(Contract.objects.values_list("auto_close_days", flat=True).distinct())
    closed = 0
    for days in periods | {default_days}:
        cutoff = now - timedelta(days=days)
        scope = Q(contract__auto_close_days=days)
        if days == default_days:
            scope |= Q(contract__isnull=True)
        due = Ticket.objects.filter(scope, state=StatusCategory.RESOLVED, resolved_at__lte=cutoff)
        for pk in due.values_list("pk", flat=True).iterator():
            closed += _close_if_still_quiet(pk, cutoff)
    return closed


def _close_if_still_quiet(pk: int, cutoff: datetime) -> int:
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("status")
            .filter(pk=pk, state=StatusCategory.RESOLVED, resolved_at__lte=cutoff)
            .first()
        )
        if ticket is None:  # reopened, or another worker closed it
            return 0
        change_status(
            ticket,
            catalog.status_for(StatusCategory.CLOSED),
            event_kind=EventKind.STATUS,
            reason="auto_close",
        )
    log.info("ticket closed after the quiet period", extra={"ticket": ticket.number})
    return 1


def resolve_as_requester(
    ticket: Ticket, contact: Contact, *, channel: str = Channel.PORTAL
) -> bool:
    """«Problem solved»: the requester resolves the ticket themselves (R16). The
    resolution notice and its rating link follow as for the desk's own resolution.
    Returns False when the ticket was already resolved or closed."""
    with transaction.atomic():
        lock_ticket(ticket)
        _check_contact(contact, ticket)
        if ticket.state not in _SOLVABLE:
            return False
        return change_status(
            ticket,
            catalog.status_for(StatusCategory.RESOLVED),
            actor_contact=contact,
            channel=channel,
            reason="requester_solved",
        )


def reopen_as_requester(ticket: Ticket, contact: Contact, *, channel: str = Channel.PORTAL) -> bool:
    """The requester says the resolution did not help: the ticket is open again
    («reopened»), its SLA clock running. Returns False unless it was resolved (a closed
    ticket is not reopened: a new message to it opens a follow-up)."""
    with transaction.atomic():
        lock_ticket(ticket)
        _check_contact(contact, ticket)
        if ticket.state != StatusCategory.RESOLVED:
            return False
        return change_status(
            ticket,
            catalog.status_for(StatusCategory.OPEN, "reopened"),
            actor_contact=contact,
            channel=channel,
            event_kind=EventKind.REOPENED,
        )


def rate_as_requester(ticket: Ticket, contact: Contact, score: int, comment: str) -> TicketRating:
    """The signed-in requester rates the ticket's current resolution. PermissionDenied
    for anyone but the ticket's requester; ValueError when it is not resolved."""
    with transaction.atomic():
        lock_ticket(ticket)
        if ticket.requester_id != contact.pk:
            raise PermissionDenied("only the requester rates the resolution")
        if ticket.state != StatusCategory.RESOLVED or ticket.resolved_at is None:
            raise ValueError("the ticket is not resolved")
        return rate_resolution(ticket, ticket.resolved_at, score, comment)


def _check_contact(contact: Contact, ticket: Ticket) -> None:
    if not access.contact_sees(contact, ticket):
        raise PermissionDenied("not the requester's ticket")


def rate_resolution(
    ticket: Ticket, resolved_at: datetime, score: int, comment: str
) -> TicketRating:
    """Record the requester's score (1–5) for one resolution of the ticket; rating
    again replaces it. The caller has checked who rates: the signed link from the
    resolution notice (`tokens.rating_of_token`) or the signed-in requester
    (`rate_as_requester`). ValueError for a score out of range."""
    if not 1 <= score <= 5:
        raise ValueError("score must be from 1 to 5")
    with transaction.atomic():
        lock_ticket(ticket)
        rating, created = TicketRating.objects.update_or_create(
            ticket=ticket,
            resolved_at=resolved_at,
            defaults={"score": score, "comment": comment[:5000], "rated_at": timezone.now()},
        )
        record_event(
            ticket,
            EventKind.RATED,
            actor_contact=ticket.requester,
            data={"score": score, "resolved_at": resolved_at.isoformat(), "again": not created},
        )
    return rating


def close_without_reply(ticket: Ticket, *, by: User, at: datetime | None = None) -> None:
    """Close the ticket without answering it, as the desk may for abusive requests (R29).

    No resolution notice and no rating request are sent (closing never sends them); the
    STATUS event carries the reason "no_reply". PermissionDenied when `by` may not work
    on the ticket.
    """
    change_status(
        ticket,
        catalog.status_for(StatusCategory.CLOSED),
        actor_user=by,
        channel=Channel.AGENT,
        reason="no_reply",
        at=at,
    )
