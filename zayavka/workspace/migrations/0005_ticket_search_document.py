"""Each ticket's search document (PostgreSQL only): see workspace/search_document.py.

The backfill reads every ticket's messages once: minutes on a desk of a million tickets.
The separate full-text indexes of subjects and messages (0001) are no longer read by
anything and go: each cost every new message a GIN insertion.
"""

import importlib

from django.db import migrations

from zayavka.workspace import search_document

REPLACED = ("workspace_ticket_subject_fts", "workspace_message_text_fts")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(search_document.CREATE)
    schema_editor.execute(search_document.BACKFILL)
    schema_editor.execute(search_document.INDEX)
    for name in REPLACED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(search_document.DROP)
    first = importlib.import_module("zayavka.workspace.migrations.0001_search_indexes")
    for name, table, expression in first.INDEXES:
        if name in REPLACED:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0004_ticket_viewers"),
        ("tickets", "0006_attachment_released_event"),
    ]

    operations = [migrations.RunPython(create, drop)]
