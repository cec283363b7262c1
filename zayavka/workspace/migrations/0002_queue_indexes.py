"""Indexes for the queue pages at a million tickets (PostgreSQL only; see bench/agent_queue.py).

The queues are read newest change first and paged by (updated_at, id) keysets
(zayavka.workspace.pagination): without an index in that order PostgreSQL reads every
open ticket and sorts them for each page. The open tickets, a tenth of a desk, get a
partial index of their own so that "all open", "my teams" and a page deep into them walk
only open tickets. The closed queue has its own too: in the full index its newest entries
are the open tickets, which it would step over (40,000 of them, 68 ms, at a million
tickets). The full one serves «all tickets» and the search results.

The open tickets' indexes carry the team, which decides who may see a ticket
(zayavka.tickets.access): an agent outside a restricted team gets her pages and her
counts of at most a thousand (queues.queue_counts) from the index alone. Without it
PostgreSQL counted «all open» by reading 190,000 entries of the (team, state) index
(43 ms at a million tickets).

«At risk» is the running tickets whose next deadline (queues.with_next_due) is near, in
the order of that deadline: an index on the very expression Django writes for it (a test
compares them) lets its page and its count read only the tickets at risk, nearest first.
"""

from django.db import migrations

NEXT_DUE = (
    "CASE WHEN (first_responded_at IS NULL AND first_response_due IS NOT NULL"
    " AND resolution_due IS NOT NULL) THEN LEAST(first_response_due, resolution_due)"
    " WHEN (first_responded_at IS NULL AND first_response_due IS NOT NULL)"
    " THEN first_response_due ELSE resolution_due END"
)

INDEXES = [
    (
        "workspace_ticket_open_updated",
        "ON tickets_ticket (updated_at, id) INCLUDE (team_id)"
        " WHERE state IN ('new', 'open', 'pending')",
    ),
    (
        "workspace_ticket_done_updated",
        "ON tickets_ticket (updated_at, id) WHERE state IN ('resolved', 'closed')",
    ),
    ("workspace_ticket_updated", "ON tickets_ticket (updated_at, id)"),
    (
        "workspace_ticket_running_next_due",
        f"ON tickets_ticket (({NEXT_DUE}), id)"
        " INCLUDE (team_id, first_responded_at, first_response_due, resolution_due)"
        " WHERE state IN ('new', 'open')",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("workspace", "0001_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
