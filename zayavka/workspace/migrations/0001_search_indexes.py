"""Full-text indexes for the workspace search (PostgreSQL only; SQLite searches with LIKE).

An expression index serves only queries with the very same expression: these are the
ones zayavka.workspace.search.vector_sql() writes (a test compares them).
"""

from django.db import migrations

RU = "to_tsvector('russian'::regconfig, {text}) || to_tsvector('simple'::regconfig, {text})"

INDEXES = [
    (
        "workspace_ticket_subject_fts",
        "tickets_ticket",
        RU.format(text="translate(subject, 'ёЁ', 'еЕ')"),
    ),
    (
        "workspace_message_text_fts",
        "tickets_message",
        RU.format(text="translate(left(text, 100000), 'ёЁ', 'еЕ')"),
    ),
    (
        "workspace_contact_name_fts",
        "accounts_contact",
        RU.format(text="translate(name, 'ёЁ', 'еЕ')"),
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_routing"),
        ("tickets", "0005_sla_checks_policy_caps"),
    ]

    operations = [migrations.RunPython(create, drop)]
