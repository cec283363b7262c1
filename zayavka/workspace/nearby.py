"""Beside a ticket: the requester's other recent tickets, and the organization's open
ones, of those the agent may see (`access.agent_tickets`)."""

from __future__ import annotations

from dataclasses import dataclass

from zayavka.accounts.models import User
from zayavka.tickets import access
from zayavka.tickets.models import StatusCategory, Ticket

SHOWN = 5
DONE = (StatusCategory.RESOLVED, StatusCategory.CLOSED)


@dataclass(frozen=True)
class Nearby:
    requester: list[Ticket]  # the requester's latest other tickets, open or not
    organization: list[Ticket]  # the organization's open tickets, of other requesters


def nearby(user: User, ticket: Ticket) -> Nearby:
    seen = access.agent_tickets(user).exclude(pk=ticket.pk).select_related("status")
    mine = list(seen.filter(requester_id=ticket.requester_id).order_by("-updated_at")[:SHOWN])
    theirs: list[Ticket] = []
    if ticket.organization_id is not None:
        theirs = list(
            seen.filter(organization_id=ticket.organization_id)
            .exclude(requester_id=ticket.requester_id)
            .exclude(state__in=DONE)
            .select_related("requester")
            .order_by("-updated_at")[:SHOWN]
        )
    return Nearby(requester=mine, organization=theirs)
