"""Free-text search over tickets: subject, the messages of the thread, the requester.

Words are looked up in the tickets' full-text index (zayavka/tickets/fulltext.py):
the desk's one normaliser (zayavka.search) turns both the tickets and the query into
terms (stems, «ё» as «е», codes such as `0x800CCC0F` or `E-02` whole), so SQLite (FTS5)
and PostgreSQL (tsvector) find the same tickets. Every word must match; the last one
also as a prefix when the words as typed find nothing, so that a half-typed word finds.

A ticket number, an email address or a phone number in the query are also looked up
exactly, by index. The result is a condition on the queue's tickets: sorting and paging
stay those of the queue (`ticket_condition` says how it is kept fast).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from zayavka.accounts.models import ContactAddress
from zayavka.accounts.normalize import email_key, phone_key
from zayavka.core.refcache import cached
from zayavka.search import Query
from zayavka.tickets.fulltext import TICKETS
from zayavka.tickets.models import Ticket
from zayavka.tickets.threading import ticket_number_from_subject

# The search box's text is cut here: a query of 10,000 characters answers as its start.
MAX_QUERY_CHARS = 500

_PHONE = re.compile(r"^\+?[\d\s()\-]{7,20}$")

# Up to this many matches, the matching ids are read first (from the index) and the
# queue takes them by primary key; beyond, each ticket is tested in the queue's own
# index order, where one in (tickets / matches) matches and a page fills quickly.
SPARSE_MATCHES = 2_000
# A query PostgreSQL's statistics say matches more than this share of the tickets is
# common without asking the index (collecting the matches of a word in a third of a
# million tickets alone takes 130 ms).
COMMON_SHARE = 0.01
# On SQLite, a query matching more than this share of the tickets is tested row by row;
# fewer matches are taken at once (bench/README.md, «Ticket search»).
DENSE_SHARE = 0.05


def ticket_condition(query: str) -> Q | None:
    """The condition a ticket meets when the query finds it; None for an empty query.

    A query's rare words are looked up first, as at most SPARSE_MATCHES ids taken by
    primary key; a common one is a condition on each ticket row, so that the queue
    keeps its own order and index and stops at a page (on PostgreSQL its statistics
    tell a common word before any is read)."""
    query = " ".join(query[:MAX_QUERY_CHARS].split())
    if not query:
        return None
    condition = Q(pk__in=[])
    number = _ticket_number(query)
    if number is not None:
        condition |= Q(number=number)
    requesters = _requesters_by_address(query)
    if requesters is not None:
        condition |= Q(requester_id__in=requesters)
    if TICKETS.query(query):
        condition |= _documents_matching(query)
    return condition


def matching_ticket_ids(query: str) -> QuerySet[Any] | None:
    """A subquery of the ids of tickets the query finds; None for an empty query."""
    condition = ticket_condition(query)
    if condition is None:
        return None
    return Ticket.objects.filter(condition).values("pk").order_by()


def _documents_matching(text: str) -> Q:
    """Tickets whose document holds every word of the text: their ids when they are few
    (read from the index first), else a condition tested on each ticket in the queue's
    order, which fills a page after a few rows.

    The last word is matched as a prefix only when the words as typed find nothing (it
    is then half-typed): a whole word is found by its stem, and a prefix is costly to
    test row by row (FTS5 gathers every term under it for each row)."""
    query = TICKETS.query(text)
    typed = TICKETS.query(text, prefix=True)
    postgres = connection.vendor == "postgresql"
    if postgres and _common(query) and (not typed.prefix or _first_ids(query, 1)):
        return _each_row(query)
    ids = _first_ids(query)
    if not ids and typed.prefix:
        query = TICKETS.expand(typed)
        if postgres and _common(query):
            return _each_row(query)
        ids = _first_ids(query)
    if len(ids) <= SPARSE_MATCHES:
        return Q(pk__in=ids)
    if connection.vendor != "postgresql" and (query.prefix or not _dense_on_sqlite(query)):
        sql, params = TICKETS.keys_sql(query) or ("", [])
        return Q(pk__in=RawSQL(sql, params))  # noqa: S611 — the query is a parameter
    return _each_row(query)


def _dense_on_sqlite(query: Query) -> bool:
    """More than DENSE_SHARE of the tickets match. FTS5 tests a row in time that grows
    with the term's matches, so row by row pays only when a page fills within a few
    rows; below, taking every match at once is cheaper (bench/README.md)."""
    sql, params = TICKETS.keys_sql(query) or ("", [])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(rowid) FROM {TICKETS.table}")  # noqa: S608
        cutoff = int(DENSE_SHARE * ((cursor.fetchone() or [0])[0] or 0))
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s)", [*params, cutoff + 1])  # noqa: S608
        return int(cursor.fetchone()[0]) > cutoff


def _first_ids(query: Query, limit: int | None = None) -> list[int]:
    """The first `limit` (SPARSE_MATCHES + 1) matches' keys, from the index."""
    sql, params = TICKETS.keys_sql(query) or ("", [])
    if not sql:
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Left to itself, PostgreSQL may read the whole table in search of the rows.
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"{sql} LIMIT %s", [*params, limit or SPARSE_MATCHES + 1])
        ids = [int(row[0]) for row in cursor.fetchall()]
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
    return ids


def _common(query: Query) -> bool:
    """PostgreSQL's statistics put the query's matches above COMMON_SHARE."""
    sql, params = TICKETS.keys_sql(query) or ("", [])
    return _estimated_rows(sql, params) / _tickets_estimate() >= COMMON_SHARE


def _each_row(query: Query) -> Q:
    table = Ticket._meta.db_table
    condition = TICKETS.row_matches_sql(query, f'"{table}"."id"')
    assert condition is not None
    return Q(RawSQL(*condition, output_field=BooleanField()))  # noqa: S611 — parameters


def _tickets_estimate() -> float:
    """About how many tickets there are (the planner's figure, read every 30 s);
    infinite while the table has never been analysed, so that no word counts as common
    by an estimate made without statistics."""

    def load() -> float:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                [Ticket._meta.db_table],
            )
            row = cursor.fetchone()
        tuples = float(row[0]) if row else -1.0
        return tuples if tuples > 0 else math.inf

    return float(cached("search:tickets", load))


def _estimated_rows(sql: str, params: list[Any]) -> float:
    """How many rows PostgreSQL's planner expects the query to return."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _ticket_number(query: str) -> int | None:
    bare = query.strip().lstrip("#").strip()
    if bare.isdigit() and len(bare) <= 18:
        return int(bare)
    return ticket_number_from_subject(f"[#{bare}]")


def _requesters_by_address(query: str) -> QuerySet[Any] | None:
    if "@" in query and " " not in query:
        kind, key = ContactAddress.Kind.EMAIL, email_key(query)
    elif _PHONE.match(query) and len(phone_key(query)) >= 7:
        kind, key = ContactAddress.Kind.PHONE, phone_key(query)
    else:
        return None
    return ContactAddress.objects.filter(kind=kind, key=key).values("contact_id")
