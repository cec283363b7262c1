"""Each ticket's search document on PostgreSQL: one `tsvector` of its subject and every
message of its thread, kept by triggers, with a GIN index.

Searching the subject, the messages and the requesters apart gives the set of every
matching ticket first, and only then the queue's order and page: for a word found in
3 % of a million tickets that is 60,000 ids collected, deduplicated and sorted to show
50 (590 ms in bench/agent_queue.py). With one document per ticket, a search is one more
condition on the ticket row: PostgreSQL may walk the queue's own index and test each
ticket's document until the page is full (a common word), or take the few matches from
the GIN index (a rare one), whichever its statistics say is cheaper.

Triggers rather than application code keep it true whatever writes the rows (intake,
the admin, a bulk load, a merge moving messages):

- a new ticket's document is its subject's vector; a changed subject rebuilds it;
- a new message appends its vector to its ticket's document;
- a message moved, edited or deleted rebuilds the documents it touches.

PostgreSQL refuses a tsvector over 1 MB: appending stops before that (a thread of some
hundred long messages), so that a message is never refused for its ticket's sake. The
vector is the one the workspace's other indexes use (`search.vector_sql`): both
configurations, «ё» as «е», a message's first 100,000 characters.
"""

from __future__ import annotations

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
