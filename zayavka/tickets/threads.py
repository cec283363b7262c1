"""Which tickets' messages make up a ticket's thread: its own and those of every ticket
merged into it (see `actions.relations.merge_tickets`)."""

from __future__ import annotations

from zayavka.tickets.models import Ticket


def thread_tickets(ticket: Ticket) -> list[int]:
    """The ids of the ticket and of every ticket merged into it, however deep."""
    ids = [ticket.pk]
    frontier = [ticket.pk]
    while frontier:
        frontier = [
            pk
            for pk in Ticket.objects.filter(merged_into_id__in=frontier).values_list(
                "pk", flat=True
            )
            if pk not in ids
        ]
        ids += frontier
    return ids
