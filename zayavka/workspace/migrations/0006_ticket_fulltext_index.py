"""The agent's ticket search moves to the tickets' full-text index (tickets/fulltext.py):
the same normalised terms on SQLite (FTS5) and PostgreSQL (tsvector), written by the
ticket actions. On PostgreSQL the triggers, the ticket row's search document and the
contacts' name index of 0001/0005 go.

The backfill normalises every ticket's subject and thread in Python: on a desk of a
million tickets it takes minutes (bench/README.md, «Ticket search»).
"""

import importlib

from django.db import migrations

from zayavka.tickets import fulltext


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        old = importlib.import_module("zayavka.workspace.migrations.0005_ticket_search_document")
        schema_editor.execute(old.DROP)
        schema_editor.execute("DROP INDEX IF EXISTS workspace_contact_name_fts")
    fulltext.TICKETS.create(schema_editor)
    fulltext.backfill(apps.get_model("tickets", "Ticket"), apps.get_model("tickets", "Message"))


def backward(apps, schema_editor):
    fulltext.TICKETS.drop(schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        old = importlib.import_module("zayavka.workspace.migrations.0005_ticket_search_document")
        first = importlib.import_module("zayavka.workspace.migrations.0001_search_indexes")
        for name, table, expression in first.INDEXES:
            if name == "workspace_contact_name_fts":
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))"
                )
        schema_editor.execute(old.CREATE)
        schema_editor.execute(old.BACKFILL)
        schema_editor.execute(old.INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0005_ticket_search_document"),
        ("tickets", "0006_attachment_released_event"),
        ("accounts", "0003_routing"),
    ]

    operations = [migrations.RunPython(forward, backward)]
