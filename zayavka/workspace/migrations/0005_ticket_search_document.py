"""Each ticket's search document (PostgreSQL only), kept by triggers: one tsvector of its
subject and thread on the ticket row. Replaced by the tickets' full-text index in 0006
(zayavka/tickets/fulltext.py); its SQL is kept here so that the migration still runs.

The backfill reads every ticket's messages once: minutes on a desk of a million tickets.
The separate full-text indexes of subjects and messages (0001) are no longer read by
anything and go: each cost every new message a GIN insertion.
"""

import importlib

from django.db import migrations

# zayavka_search_append stops at 1,000,000 bytes: a little under PostgreSQL's 1 MB
# (1,048,575 bytes) limit on a tsvector.
CREATE = """
ALTER TABLE tickets_ticket ADD COLUMN IF NOT EXISTS search_document tsvector;

CREATE OR REPLACE FUNCTION zayavka_search_vector(body text, chars integer)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('russian'::regconfig, translate(left(coalesce(body, ''), chars), 'ёЁ', 'еЕ'))
      || to_tsvector('simple'::regconfig, translate(left(coalesce(body, ''), chars), 'ёЁ', 'еЕ'))
$$;

CREATE OR REPLACE FUNCTION zayavka_search_append(document tsvector, more tsvector)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN document IS NULL THEN more
    WHEN more IS NULL THEN document
    WHEN pg_column_size(document) + pg_column_size(more) < 1000000
      THEN document || more
    ELSE document
  END
$$;

CREATE OR REPLACE AGGREGATE zayavka_search_agg(tsvector) (
  SFUNC = zayavka_search_append, STYPE = tsvector
);

CREATE OR REPLACE FUNCTION zayavka_search_thread(ticket bigint)
RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT zayavka_search_agg(zayavka_search_vector(m.text, 100000) ORDER BY m.id)
  FROM tickets_message AS m WHERE m.ticket_id = ticket
$$;

CREATE OR REPLACE FUNCTION zayavka_search_rebuild(ticket bigint)
RETURNS void LANGUAGE sql AS $$
  UPDATE tickets_ticket AS t
  SET search_document = zayavka_search_append(
    zayavka_search_vector(t.subject, 100000), zayavka_search_thread(t.id))
  WHERE t.id = ticket
$$;

CREATE OR REPLACE FUNCTION zayavka_ticket_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.search_document := zayavka_search_vector(NEW.subject, 100000);
  ELSE
    NEW.search_document := zayavka_search_append(
      zayavka_search_vector(NEW.subject, 100000), zayavka_search_thread(NEW.id));
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION zayavka_message_search_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE tickets_ticket
    SET search_document = zayavka_search_append(
      search_document, zayavka_search_vector(NEW.text, 100000))
    WHERE id = NEW.ticket_id;
    RETURN NULL;
  END IF;
  PERFORM zayavka_search_rebuild(OLD.ticket_id);
  IF TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id THEN
    PERFORM zayavka_search_rebuild(NEW.ticket_id);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS zayavka_ticket_search_new ON tickets_ticket;
CREATE TRIGGER zayavka_ticket_search_new BEFORE INSERT ON tickets_ticket
  FOR EACH ROW EXECUTE FUNCTION zayavka_ticket_search_document();
DROP TRIGGER IF EXISTS zayavka_ticket_search_subject ON tickets_ticket;
CREATE TRIGGER zayavka_ticket_search_subject BEFORE UPDATE OF subject ON tickets_ticket
  FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject)
  EXECUTE FUNCTION zayavka_ticket_search_document();
DROP TRIGGER IF EXISTS zayavka_message_search_new ON tickets_message;
CREATE TRIGGER zayavka_message_search_new AFTER INSERT ON tickets_message
  FOR EACH ROW EXECUTE FUNCTION zayavka_message_search_document();
DROP TRIGGER IF EXISTS zayavka_message_search_changed ON tickets_message;
CREATE TRIGGER zayavka_message_search_changed AFTER UPDATE OF ticket_id, text ON tickets_message
  FOR EACH ROW WHEN (OLD.ticket_id IS DISTINCT FROM NEW.ticket_id
                     OR OLD.text IS DISTINCT FROM NEW.text)
  EXECUTE FUNCTION zayavka_message_search_document();
DROP TRIGGER IF EXISTS zayavka_message_search_gone ON tickets_message;
CREATE TRIGGER zayavka_message_search_gone AFTER DELETE ON tickets_message
  FOR EACH ROW EXECUTE FUNCTION zayavka_message_search_document();
"""

# Every ticket's document from its rows, in one pass (the migration, a bulk load).
BACKFILL = """
UPDATE tickets_ticket AS t
SET search_document = zayavka_search_append(zayavka_search_vector(t.subject, 100000), m.thread)
FROM (
  SELECT t2.id, (
    SELECT zayavka_search_agg(zayavka_search_vector(m.text, 100000) ORDER BY m.id)
    FROM tickets_message AS m WHERE m.ticket_id = t2.id
  ) AS thread
  FROM tickets_ticket AS t2
) AS m
WHERE m.id = t.id
"""

INDEX = (
    "CREATE INDEX IF NOT EXISTS workspace_ticket_search_document"
    " ON tickets_ticket USING gin (search_document)"
)

DROP = """
DROP TRIGGER IF EXISTS zayavka_ticket_search_new ON tickets_ticket;
DROP TRIGGER IF EXISTS zayavka_ticket_search_subject ON tickets_ticket;
DROP TRIGGER IF EXISTS zayavka_message_search_new ON tickets_message;
DROP TRIGGER IF EXISTS zayavka_message_search_changed ON tickets_message;
DROP TRIGGER IF EXISTS zayavka_message_search_gone ON tickets_message;
DROP FUNCTION IF EXISTS zayavka_message_search_document();
DROP FUNCTION IF EXISTS zayavka_ticket_search_document();
DROP FUNCTION IF EXISTS zayavka_search_rebuild(bigint);
DROP FUNCTION IF EXISTS zayavka_search_thread(bigint);
DROP AGGREGATE IF EXISTS zayavka_search_agg(tsvector);
DROP FUNCTION IF EXISTS zayavka_search_append(tsvector, tsvector);
DROP FUNCTION IF EXISTS zayavka_search_vector(text, integer);
DROP INDEX IF EXISTS workspace_ticket_search_document;
ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_document;
"""

REPLACED = ("workspace_ticket_subject_fts", "workspace_message_text_fts")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE)
    schema_editor.execute(BACKFILL)
    schema_editor.execute(INDEX)
    for name in REPLACED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP)
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
