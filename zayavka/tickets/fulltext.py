"""The tickets' full-text index: one document per ticket, what the agent's search box
looks in (zayavka.workspace.search).

A ticket's document holds its subject, every message of its thread (notes included, a
message's first MESSAGE_CHARS characters), and its requester's name when it was filed.
The actions keep it in their transactions: a new ticket is indexed by `open_ticket`, a
message appended by `add_message`, and a merge adds the merged ticket's document to its
target's (`merge_tickets`), so that what finds a merged ticket also finds where it went.
A contact renamed later keeps being found under the name their tickets were filed with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from zayavka.search import FullTextIndex

MESSAGE_CHARS = 100_000

TICKETS = FullTextIndex(
    "tickets", fields=("subject", "requester", "thread"), weights=(3.0, 2.0, 1.0)
)


def index_new_ticket(ticket_id: int, subject: str, requester_name: str) -> None:
    TICKETS.update(ticket_id, {"subject": subject, "requester": requester_name})


def index_message(ticket_id: int, text: str) -> None:
    TICKETS.append(ticket_id, {"thread": text[:MESSAGE_CHARS]})


def index_merge(source_id: int, target_id: int) -> None:
    """The target's document takes in the source's terms (subject and name as thread)."""
    stored = TICKETS.stored_terms([source_id, target_id])
    source = stored.get(source_id)
    if source is None:
        return
    target = stored.get(target_id, ["", "", ""])
    more = " ".join(t for t in source if t)
    TICKETS.write_terms([(target_id, [target[0], target[1], f"{target[2]} {more}".strip()])])


def backfill(tickets: Any, messages: Any, batch: int = 1_000) -> int:
    """Index every ticket from its rows (a migration, a bulk load): `tickets` and
    `messages` are the Ticket and Message models (historical ones in a migration)."""
    TICKETS.clear()
    count = 0
    for chunk in _chunks(tickets, batch):
        ids = [row[0] for row in chunk]
        thread: dict[int, list[str]] = defaultdict(list)
        rows = (
            messages.objects.filter(ticket_id__in=ids)
            .order_by("ticket_id", "id")
            .values_list("ticket_id", "text")
        )
        for ticket_id, text in rows:
            thread[ticket_id].append(text[:MESSAGE_CHARS])
        count += TICKETS.update_many(
            (pk, {"subject": subject, "requester": name or "", "thread": "\n".join(thread[pk])})
            for pk, subject, name in chunk
        )
    return count


def _chunks(tickets: Any, batch: int) -> Iterator[list[tuple[int, str, str]]]:
    last = 0
    while True:
        chunk = list(
            tickets.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "subject", "requester__name")[:batch]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]
