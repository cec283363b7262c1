"""Free-text search over tickets: subject, the messages of the thread, the requester.

On PostgreSQL every word of the query is looked up in each ticket's search document
(its subject and whole thread, search_document.py) and in the requesters' names, under
two configurations at once: `russian`, which stems («серверу» finds «сервер»), and
`simple`, which keeps words as written (names, codes, English words the stemmer would
mangle). The last word of a query also matches as a prefix, so that a half-typed word
finds. On SQLite the query is a substring (LIKE).

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
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Lookup, Q, QuerySet, Subquery
from django.db.models.expressions import Func, RawSQL
from django.db.models.sql.compiler import SQLCompiler

from zayavka.accounts.models import Contact, ContactAddress
from zayavka.accounts.normalize import email_key, phone_key
from zayavka.core.refcache import cached
from zayavka.tickets.models import Message, Ticket
from zayavka.tickets.threading import ticket_number_from_subject

MAX_TERMS = 8
MAX_TERM_CHARS = 64
# to_tsvector refuses documents whose vector exceeds 1 MB; messages are cut before it.
MESSAGE_CHARS = 100_000

_WORD = re.compile(r"\w+")
_PHONE = re.compile(r"^\+?[\d\s()\-]{7,20}$")

# The indexed expressions; the migration builds its indexes from these very strings,
# so that PostgreSQL recognises them in the queries below.
CONFIGS = ("russian", "simple")


def vector_sql(column: str, limit: int | None = None) -> str:
    """SQL of the document vector for a column: both configurations, «ё» read as «е»."""
    text = column if limit is None else f"left({column}, {int(limit)})"
    text = f"translate({text}, 'ёЁ', 'еЕ')"
    return " || ".join(f"to_tsvector('{config}'::regconfig, {text})" for config in CONFIGS)


def terms_of(query: str) -> list[str]:
    """The words of a query, lower-case with «ё» as «е»; at most MAX_TERMS of them."""
    words = _WORD.findall(query.casefold().replace("ё", "е"))
    return [w[:MAX_TERM_CHARS] for w in words if w.strip("_")][:MAX_TERMS]


class FullTextMatch(Func):
    """`column`'s document matches every term (the last one also as a prefix)."""

    output_field = BooleanField()

    def __init__(self, column: str, terms: list[str], *, limit: int | None = None) -> None:
        super().__init__(F(column))
        self.terms = terms
        self.limit = limit

    def as_sql(  # type: ignore[override]
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        column_sql, params = compiler.compile(self.get_source_expressions()[0])
        query_sql, query_params = tsquery_sql(self.terms)
        vector = vector_sql(column_sql, self.limit)
        return f"({vector}) @@ {query_sql}", [*params, *query_params]


def tsquery_sql(terms: list[str]) -> tuple[str, list[str]]:
    """The query of every term, each under either configuration, the last as a prefix."""
    parts: list[str] = []
    params: list[str] = []
    for index, term in enumerate(terms):
        token = f"{term}:*" if index == len(terms) - 1 else term
        parts.append(
            "(" + " || ".join(f"to_tsquery('{config}'::regconfig, %s)" for config in CONFIGS) + ")"
        )
        params += [token] * len(CONFIGS)
    return f"({' && '.join(parts)})", params


def document_matches(terms: list[str], query: str = "") -> RawSQL:
    """The ticket's search document (subject and thread, see search_document.py)
    matches every term, or every word of `query` as PostgreSQL's own parser reads it.

    The second form finds what splitting on word characters loses: PostgreSQL indexes
    «E-02» as `e-02`, `e` and `-02` (a signed number), so the terms `e` and `02` alone
    would never match it."""
    query_sql, params = tsquery_sql(terms)
    if query:
        parsed = " || ".join(f"plainto_tsquery('{config}'::regconfig, %s)" for config in CONFIGS)
        query_sql = f"({query_sql} || {parsed})"
        params = [*params, *([query] * len(CONFIGS))]
    table = Ticket._meta.db_table
    return RawSQL(  # noqa: S611 — the terms are parameters; the table is the model's
        f'"{table}"."search_document" @@ {query_sql}', params, output_field=BooleanField()
    )


class AmongIds(Lookup):
    """`lhs = ANY(ARRAY(subquery))` (PostgreSQL): the ids the subquery gives, computed
    once, then looked up by primary key.

    Written as `id IN (subquery)`, the search results are a semi-join, and PostgreSQL,
    which cannot tell how many tickets a full-text query finds, often joins them by
    reading every ticket (1.25 s for one ticket number in a million tickets). As an
    array it takes them one by one from the primary key (13 ms; bench/agent_queue.py)."""

    lookup_name = "among_ids"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = compiler.compile(self.rhs)
        return f"{lhs_sql} = ANY(ARRAY{rhs_sql})", [*lhs_params, *rhs_params]


def ticket_condition(query: str) -> Q | None:
    """The condition a ticket meets when the query finds it; None for an empty query.

    On PostgreSQL the few things a query can find cheaply are looked up first, as ids:
    the requesters it names (by address or name) and, when its words are rare, the
    tickets whose documents hold them. A common word stays a condition on the ticket
    row, so that the queue keeps its own order and index and stops at a page. On SQLite
    it is membership in the ids that the substring search finds."""
    query = " ".join(query.split())[:500]
    if not query:
        return None
    if connection.vendor != "postgresql":
        ids = matching_ticket_ids(query)
        return Q(pk__in=ids) if ids is not None else None
    condition = Q(pk__in=[])
    number = _ticket_number(query)
    if number is not None:
        condition |= Q(number=number)
    requesters = _requesters_by_address(query)
    if requesters is not None:
        condition |= _filed_by_among(requesters)
    terms = terms_of(query)
    if terms:
        names = Contact.objects.filter(FullTextMatch("name", terms)).values("pk")
        condition |= _filed_by_among(names) | _documents_matching(terms, query)
    return condition


# Up to this many matches, the matching ids are read first (from the GIN index) and the
# queue takes them by primary key; beyond, the words are tested row by row in the queue's
# order, where one ticket in (tickets / matches) matches and a page fills quickly.
SPARSE_MATCHES = 2_000
# A word PostgreSQL's statistics say is in more than this share of the tickets is common
# without asking the index (building the bitmap of a word in a third of a million
# tickets alone takes 130 ms). Below it the estimate is no guide: for a word its
# statistics do not know, PostgreSQL guesses about 0.4 % of the table, found or not.
COMMON_SHARE = 0.01
SPARSE_PEOPLE = 1_000


def _documents_matching(terms: list[str], query: str) -> Q:
    """Tickets whose search document holds every term: their ids when they are few."""
    matches = document_matches(terms, query)
    matching = Ticket.objects.filter(matches).values_list("pk", flat=True)
    if _estimated_rows(matching) / _tickets_estimate() >= COMMON_SHARE:
        return Q(matches)
    with transaction.atomic():
        # The few matches come from the index: left to itself, PostgreSQL may read the
        # whole table in search of rows that are not there.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        ids = list(matching.order_by()[: SPARSE_MATCHES + 1])
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
            cursor.execute("SET LOCAL enable_indexscan TO DEFAULT")
    if len(ids) > SPARSE_MATCHES:
        return Q(matches)
    return Q(pk__in=ids)


def _filed_by_among(contacts: QuerySet[Any]) -> Q:
    """Tickets these contacts (a one-column values() query) filed: by the requester
    index, from their ids when they are few."""
    ids = [next(iter(row.values())) for row in contacts.order_by()[: SPARSE_PEOPLE + 1]]
    if len(ids) > SPARSE_PEOPLE:
        return Q(AmongIds(F("requester_id"), Subquery(contacts.order_by())))
    return Q(requester_id__in=ids)


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


def _estimated_rows(rows: QuerySet[Any]) -> float:
    """How many rows PostgreSQL's planner expects the query to return."""
    sql, params = rows.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def matching_ticket_ids(query: str) -> QuerySet[Any] | None:
    """A subquery of the ids of tickets the query finds; None for an empty query."""
    query = " ".join(query.split())[:500]
    if not query:
        return None
    if connection.vendor == "postgresql":
        condition = ticket_condition(query)
        assert condition is not None
        return Ticket.objects.filter(condition).values("pk").order_by()
    parts: list[QuerySet[Any]] = []
    number = _ticket_number(query)
    if number is not None:
        parts.append(Ticket.objects.filter(number=number).values("pk"))
    requesters = _requesters_by_address(query)
    if requesters is not None:
        parts.append(_filed_by(requesters))
    parts += _substring(query)
    # A set of ids has no order: the models' default orderings would only add sorts.
    first, *rest = [part.order_by() for part in parts]
    return first.union(*rest).order_by() if rest else first


def _filed_by(contacts: QuerySet[Any]) -> QuerySet[Any]:
    """The ids of the tickets these contacts (a subquery of their ids) filed."""
    return Ticket.objects.filter(requester_id__in=contacts).values("pk")


def _substring(query: str) -> list[QuerySet[Any]]:
    """SQLite's LIKE folds only ASCII letters: try the Cyrillic query as typed, in
    lower case and capitalised, which covers how words appear in running text."""
    variants = {query, query.lower(), query[:1].upper() + query[1:].lower()}
    subject, text, name = Q(), Q(), Q()
    for variant in variants:
        subject |= Q(subject__icontains=variant)
        text |= Q(text__icontains=variant)
        name |= Q(name__icontains=variant)
    return [
        Ticket.objects.filter(subject).values("pk"),
        Message.objects.filter(text).values("ticket_id"),
        Ticket.objects.filter(requester_id__in=Contact.objects.filter(name).values("pk")).values(
            "pk"
        ),
    ]


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
