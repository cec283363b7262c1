"""What happens to a ticket with time: auto-close after the resolution (R17), ratings (R18)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zayavka.accounts.models import Contract
from zayavka.tickets import actions
from zayavka.tickets.models import EventKind, StatusCategory, Ticket, TicketRating

log = logging.getLogger(__name__)

RATING_SALT = "zayavka.rating"
RATING_MAX_AGE = timedelta(days=60)


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
        actions.change_status(
            ticket,
            actions.status_for(StatusCategory.CLOSED),
            event_kind=EventKind.STATUS,
            reason="auto_close",
        )
    log.info("ticket closed after the quiet period", extra={"ticket": ticket.number})
    return 1


def rating_token(ticket: Ticket) -> str:
    """A link token for rating this resolution of the ticket; nothing else can be done with it."""
    assert ticket.resolved_at is not None
    return signing.dumps(
        {"t": ticket.pk, "r": ticket.resolved_at.isoformat()}, salt=RATING_SALT, compress=True
    )


def ticket_for_rating(token: str) -> tuple[Ticket, datetime]:
    """The ticket and resolution a rating token was issued for.

    Raises signing.BadSignature (or SignatureExpired) for a forged or old token,
    and Ticket.DoesNotExist if the ticket is gone.
    """
    data: dict[str, Any] = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
    ticket = Ticket.objects.select_related("requester").get(pk=int(data["t"]))
    return ticket, datetime.fromisoformat(str(data["r"]))


def rate_resolution(
    ticket: Ticket, resolved_at: datetime, score: int, comment: str
) -> TicketRating:
    """Record the requester's score (1–5) for one resolution; rating again replaces it."""
    if not 1 <= score <= 5:
        raise ValueError("score must be from 1 to 5")
    with transaction.atomic():
        rating, created = TicketRating.objects.update_or_create(
            ticket=ticket,
            resolved_at=resolved_at,
            defaults={"score": score, "comment": comment[:5000], "rated_at": timezone.now()},
        )
        actions.record_event(
            ticket,
            EventKind.RATED,
            actor_contact=ticket.requester,
            data={"score": score, "resolved_at": resolved_at.isoformat(), "again": not created},
        )
    return rating
