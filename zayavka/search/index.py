"""A full-text index any app can keep: documents of weighted fields under integer keys.

One table per index, `fulltext_<name>`, holding each document's fields as normalised
terms (normalize.py), space-separated:

- on SQLite, an FTS5 table (rowid = key) whose `unicode61` tokenizer only splits those
  terms at spaces (the joiners of codes are token characters, diacritics kept), ranked
  with bm25 and the fields' weights;
- on PostgreSQL, a table with the same term columns and a `tsvector` of the very same
  terms (written as a literal, not parsed by a configuration: `'simple'` in effect),
  with a GIN index, ranked with `ts_rank` and the same weights.

So both back ends find the same documents for a query, and `search` ranks them alike:
from each term's matches, then with BM25F over the stored terms, in Python (rank.py).
Writes go through the default connection, inside whatever transaction the caller has
open: an action that changes a document's source updates its index in the same
transaction, and a rollback takes both back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import QuerySet

from zayavka.search import rank
from zayavka.search.normalize import Normaliser, normaliser
from zayavka.search.query import Match, Query, build

# PostgreSQL keeps positions up to 16,383 and refuses a tsvector over 1 MB; a field's
# stored terms are cut at MAX_FIELD_CHARS (a thread of some 100,000 words), which keeps
# the document's vector well under that.
MAX_FIELD_CHARS = 400_000
_MAX_POSITION = 16_383
_MAX_POSITIONS_PER_TERM = 255
_WEIGHTS = "ABCD"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# This many best pre-scored documents are ranked by BM25F (rank.py).
CANDIDATES = 100
# How long a process keeps the index's size and terms' document frequencies.
STATS_SECONDS = 60.0
# A prefix standing for more indexed terms than this stays a prefix (`expand`).
MAX_EXPANSION = 32
STATS_MIN_DOCUMENTS = 5_000
_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '-_.:/'"

Keys = QuerySet[Any] | Sequence[int]


class FullTextIndex:
    """An index named `name` over up to four fields, heaviest first.

    `weights` are the fields' relative weights in ranking (default 1.0 each); on
    PostgreSQL they become the A–D weights of `ts_rank`."""

    def __init__(
        self,
        name: str,
        fields: Sequence[str] = ("text",),
        weights: Sequence[float] | None = None,
        *,
        using: Normaliser | None = None,
    ) -> None:
        if not _NAME.match(name):
            raise ValueError(f"index name {name!r}: lower-case letters, digits, _")
        if not 1 <= len(fields) <= len(_WEIGHTS):
            raise ValueError("an index has one to four fields")
        self.name = name
        self.table = f"fulltext_{name}"
        self.fields = tuple(fields)
        self.weights = tuple(weights) if weights is not None else (1.0,) * len(fields)
        if len(self.weights) != len(self.fields):
            raise ValueError("one weight per field")
        self._normaliser = using
        self._columns = [f"f{i}" for i in range(len(self.fields))]
        # Collection statistics for ranking: key -> (when, values).
        self._stats: dict[str, tuple[float, tuple[float, ...]]] = {}

    @property
    def normaliser(self) -> Normaliser:
        return self._normaliser or normaliser()

    # --- storage ------------------------------------------------------------------

    def create_sql(self, vendor: str) -> list[str]:
        """The statements that create the index's storage on a back end."""
        if vendor == "postgresql":
            columns = ", ".join(f"{c} text NOT NULL DEFAULT ''" for c in self._columns)
            return [
                f"CREATE TABLE IF NOT EXISTS {self.table} "
                f"(key bigint PRIMARY KEY, {columns}, document tsvector NOT NULL)",
                f"CREATE INDEX IF NOT EXISTS {self.table}_document "
                f"ON {self.table} USING gin (document)",
            ]
        columns = ", ".join(self._columns)
        return [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} "
            f'USING fts5({columns}, tokenize="{_TOKENIZER}")',
            # Its terms, to expand a prefix (`expand`).
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table}_terms "
            f"USING fts5vocab({self.table}, 'row')",
        ]

    def drop_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [f"DROP TABLE IF EXISTS {self.table}"]
        return [f"DROP TABLE IF EXISTS {self.table}_terms", f"DROP TABLE IF EXISTS {self.table}"]

    def create(self, schema_editor: BaseDatabaseSchemaEditor | None = None) -> None:
        """Create the storage: in a migration, `RunPython(lambda apps, se:
        index.create(se), lambda apps, se: index.drop(se))`; without a schema editor,
        on the default connection in the current transaction."""
        self._run(schema_editor, self.create_sql)

    def drop(self, schema_editor: BaseDatabaseSchemaEditor | None = None) -> None:
        self._run(schema_editor, self.drop_sql)

    def _run(
        self, schema_editor: BaseDatabaseSchemaEditor | None, statements: Callable[[str], list[str]]
    ) -> None:
        if schema_editor is not None:
            for sql in statements(schema_editor.connection.vendor):
                schema_editor.execute(sql)
            return
        with connection.cursor() as cursor:
            for sql in statements(connection.vendor):
                cursor.execute(sql)

    # --- writing ------------------------------------------------------------------

    def terms(self, fields: Mapping[str, str]) -> list[str]:
        """Each field's normalised terms, space-separated, in the index's field order."""
        unknown = set(fields) - set(self.fields)
        if unknown:
            raise ValueError(f"{self.name}: no fields {sorted(unknown)}")
        norm = self.normaliser
        return [
            _cut(" ".join(norm.document(fields[f]))) if fields.get(f) else "" for f in self.fields
        ]

    def update(self, key: int, fields: Mapping[str, str]) -> None:
        """Index (or re-index) the document `key`: its fields' texts; a field left out
        is empty."""
        self.write_terms([(key, self.terms(fields))])

    def append(self, key: int, fields: Mapping[str, str]) -> None:
        """Add text to the document `key`'s fields (a new message of a thread): its
        terms are appended to what the document holds; a missing document is created."""
        more = self.terms(fields)
        current = self.stored_terms([key]).get(key)
        if current is not None:
            more = [_cut(f"{old} {new}".strip()) for old, new in zip(current, more, strict=True)]
        self.write_terms([(key, more)])

    def delete(self, key: int) -> None:
        key_column = "key" if connection.vendor == "postgresql" else "rowid"
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE {key_column} = %s", [key])  # noqa: S608

    def update_many(self, rows: Iterable[tuple[int, Mapping[str, str]]], batch: int = 500) -> int:
        """Index many documents (a backfill): (key, fields) pairs; returns how many."""
        count = 0
        chunk: list[tuple[int, list[str]]] = []
        for key, fields in rows:
            chunk.append((key, self.terms(fields)))
            if len(chunk) >= batch:
                count += self.write_terms(chunk)
                chunk = []
        if chunk:
            count += self.write_terms(chunk)
        return count

    def write_terms(self, rows: Sequence[tuple[int, Sequence[str]]]) -> int:
        """Store documents already normalised (each field's terms, space-separated)."""
        if not rows:
            return 0
        columns = ", ".join(self._columns)
        marks = ", ".join(["%s"] * len(self._columns))
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*self._columns, "document"])
                cursor.executemany(
                    f"INSERT INTO {self.table} (key, {columns}, document) "  # noqa: S608
                    f"VALUES (%s, {marks}, %s::tsvector) "
                    f"ON CONFLICT (key) DO UPDATE SET {updates}",
                    [(key, *terms, tsvector_literal(terms)) for key, terms in rows],
                )
            else:
                keys = [key for key, _terms in rows]
                for start in range(0, len(keys), 500):
                    part = keys[start : start + 500]
                    cursor.execute(
                        f"DELETE FROM {self.table} WHERE rowid IN "  # noqa: S608
                        f"({', '.join(['%s'] * len(part))})",
                        part,
                    )
                cursor.executemany(
                    f"INSERT INTO {self.table} (rowid, {columns}) VALUES (%s, {marks})",  # noqa: S608
                    [(key, *terms) for key, terms in rows],
                )
        return len(rows)

    def stored_terms(self, keys: Sequence[int]) -> dict[int, list[str]]:
        """The stored fields' terms of these documents."""
        if not keys:
            return {}
        key_column = "key" if connection.vendor == "postgresql" else "rowid"
        columns = ", ".join(self._columns)
        marks = ", ".join(["%s"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {key_column}, {columns} FROM {self.table} "  # noqa: S608
                f"WHERE {key_column} IN ({marks})",
                list(keys),
            )
            return {row[0]: list(row[1:]) for row in cursor.fetchall()}

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")  # noqa: S608

    # --- searching ----------------------------------------------------------------

    def query(self, text: str, *, prefix: bool = False, match: Match = "all") -> Query:
        """The normalised query for `text` (see query.build)."""
        return build(text, prefix=prefix, match=match, using=self.normaliser)

    def expand(self, query: Query, most: int = MAX_EXPANSION) -> Query:
        """On SQLite, the query with its last, prefix term replaced by the indexed terms
        that start with it, when there are at most `most`: FTS5 gathers a prefix's
        postings anew for every statement (and for every row a condition tests), a
        term's it seeks. The same query elsewhere, or when the prefix has more terms."""
        if not query.prefix or connection.vendor == "postgresql":
            return query
        ranges: list[str] = []
        params: list[Any] = []
        for start in query.groups[-1]:
            ranges.append("(term >= %s AND term < %s)")
            params += [start, start[:-1] + chr(ord(start[-1]) + 1)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT term FROM {self.table}_terms "  # noqa: S608
                f"WHERE {' OR '.join(ranges)} LIMIT %s",
                [*params, most + 1],
            )
            terms = tuple(sorted(row[0] for row in cursor.fetchall()))
        if not terms or len(terms) > most:
            return query
        return Query((*query.groups[:-1], terms), prefix=False, match=query.match)

    def keys_sql(
        self, text: str | Query, *, prefix: bool = False, match: Match = "all"
    ) -> tuple[str, list[Any]] | None:
        """SQL selecting the keys of every matching document, and its parameters, to
        use as a subquery (`pk IN (…)`); None when the text has no terms."""
        query = text if isinstance(text, Query) else self.query(text, prefix=prefix, match=match)
        if not query:
            return None
        if connection.vendor == "postgresql":
            return (
                f"SELECT key FROM {self.table} WHERE document @@ %s::tsquery",  # noqa: S608
                [query.tsquery()],
            )
        return f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH %s", [query.fts5()]  # noqa: S608

    def row_matches_sql(
        self, text: str | Query, outer_key: str, *, prefix: bool = False, match: Match = "all"
    ) -> tuple[str, list[Any]] | None:
        """A condition on an outer query's row, whose key is the SQL `outer_key` (as
        `"tickets_ticket"."id"`): its document matches. For a query that matches many
        documents, tested row by row in the outer query's order until a page is full;
        None when the text has no terms."""
        query = text if isinstance(text, Query) else self.query(text, prefix=prefix, match=match)
        if not query:
            return None
        if connection.vendor == "postgresql":
            return (
                f"EXISTS (SELECT 1 FROM {self.table} WHERE key = {outer_key} "  # noqa: S608
                "AND document @@ %s::tsquery)",
                [query.tsquery()],
            )
        return (
            f"EXISTS (SELECT 1 FROM {self.table} WHERE {self.table} MATCH %s "  # noqa: S608
            f"AND rowid = {outer_key})",
            [query.fts5()],
        )

    def search(
        self,
        text: str | Query,
        limit: int = 10,
        *,
        prefix: bool = False,
        match: Match = "all",
        among: Keys | None = None,
        candidates: int = CANDIDATES,
    ) -> list[tuple[int, float]]:
        """The best-matching documents, best first: (key, score), a higher score being
        better. `match="any"` finds documents with any of the terms, ranked by how well
        they match; `among` restricts the answer to these keys (a list, or a query set
        of one column: `Article.objects.filter(public=True).values("pk")`). A query
        with no terms finds nothing.

        Ranked alike on both back ends: each query term's matching keys are read (in the
        whole document and in the first field), the documents are pre-scored by the
        rarity of the terms they hold (idf, more in the first field), the best
        `candidates` are scored with BM25F over their stored terms (rank.py), and ties
        go to the lower key. Reads every match of each term: meant for indexes of up
        to some hundred thousand documents (a knowledge base); for more, filter with
        `keys_sql` or `row_matches_sql`."""
        query = text if isinstance(text, Query) else self.query(text, prefix=prefix, match=match)
        if not query or limit <= 0:
            return []
        allowed = self._allowed(among)
        if allowed is not None and not allowed:
            return []
        everywhere, in_first = self._matches_by_group(query)
        pools = [keys if allowed is None else keys & allowed for keys in everywhere]
        pool = set.intersection(*pools) if query.match == "all" else set().union(*pools)
        if not pool:
            return []
        documents, averages = self._sizes()
        frequencies = [len(keys) for keys in everywhere]
        idf = [rank.idf(documents, df) for df in frequencies]
        bonus = self.weights[0] / sum(self.weights) if len(self.weights) > 1 else 0.0
        prescore: dict[int, float] = dict.fromkeys(pool, 0.0)
        for weight, keys, first in zip(idf, pools, in_first, strict=True):
            for key in keys & pool:
                prescore[key] += weight * (1 + (bonus if key in first else 0.0))
        best = sorted(prescore, key=lambda key: (-round(prescore[key], 9), key))
        stored = self.stored_terms(best[: max(limit, candidates)])
        collection = rank.Collection(documents, averages, frequencies)
        return rank.rank(stored, query.groups, query.prefix, self.weights, collection, limit)

    def _allowed(self, among: Keys | None) -> set[int] | None:
        if among is None:
            return None
        if isinstance(among, QuerySet):
            return {int(next(iter(row.values()))) for row in among.order_by().values()}
        return {int(key) for key in among}

    def _matches_by_group(self, query: Query) -> tuple[list[set[int]], list[set[int]]]:
        """Per query group, the keys of the documents holding it, and of those holding
        it in the first field; one statement."""
        postgres = connection.vendor == "postgresql"
        parts: list[str] = []
        params: list[Any] = []
        last = len(query.groups) - 1
        for index, group in enumerate(query.groups):
            one = Query((group,), prefix=query.prefix and index == last)
            for scope in (0, 1) if len(self.fields) > 1 else (0,):
                tag = index * 2 + scope
                if postgres:
                    literal = one.tsquery()
                    if scope:
                        literal = one.tsquery(weight="A")
                    parts.append(
                        f"SELECT key, {tag} FROM {self.table} WHERE document @@ %s::tsquery"  # noqa: S608
                    )
                    params.append(literal)
                else:
                    expression = one.fts5()
                    if scope:
                        expression = f"{self._columns[0]} : ({expression})"
                    parts.append(
                        f"SELECT rowid, {tag} FROM {self.table} WHERE {self.table} MATCH %s"  # noqa: S608
                    )
                    params.append(expression)
        everywhere: list[set[int]] = [set() for _ in query.groups]
        in_first: list[set[int]] = [set() for _ in query.groups]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for key, tag in cursor.fetchall():
                (in_first if tag % 2 else everywhere)[tag // 2].add(int(key))
        return everywhere, in_first

    def _sizes(self) -> tuple[int, list[float]]:
        """How many documents, and their fields' average lengths in terms; kept
        STATS_SECONDS per process for an index of STATS_MIN_DOCUMENTS or more."""
        now = time.monotonic()
        sizes = self._stats.get("")
        if sizes is None or now - sizes[0] > STATS_SECONDS:
            lengths = ", ".join(
                f"avg(length({c}) - length(replace({c}, ' ', '')) + 1)" for c in self._columns
            )
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*), {lengths} FROM {self.table}")  # noqa: S608
                row = cursor.fetchone()
            sizes = (now, (int(row[0]), *[round(float(v or 0), 6) for v in row[1:]]))
            if sizes[1][0] >= STATS_MIN_DOCUMENTS:  # a small index is counted each time
                self._stats[""] = sizes
        documents, *averages = sizes[1]
        return int(documents), list(averages)

    def search_native(
        self, query: Query, limit: int, *, among: Keys | None = None
    ) -> list[tuple[int, float]]:
        """The back end's own ranking (bm25 on SQLite, ts_rank on PostgreSQL): scores
        comparable within one answer only, and not between back ends."""
        restrict, params = "", []
        if among is not None:
            if isinstance(among, QuerySet):
                sub_sql, sub_params = among.order_by().query.sql_with_params()
                restrict, params = f" AND {{key}} IN ({sub_sql})", list(sub_params)
            else:
                keys = [int(k) for k in among]
                if not keys:
                    return []
                restrict = f" AND {{key}} IN ({', '.join(['%s'] * len(keys))})"
                params = keys
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                weights = "{" + ",".join(str(w) for w in self._pg_weights()) + "}"
                cursor.execute(
                    f"SELECT key, ts_rank(%s::real[], document, q, 1) AS score "  # noqa: S608
                    f"FROM {self.table}, CAST(%s AS tsquery) AS q "
                    f"WHERE document @@ q{restrict.format(key='key')} "
                    f"ORDER BY score DESC, key LIMIT %s",
                    [weights, query.tsquery(), *params, limit],
                )
                return [(int(k), float(s)) for k, s in cursor.fetchall()]
            weights = ", ".join(str(float(w)) for w in self.weights)
            cursor.execute(
                f"SELECT rowid, -bm25({self.table}, {weights}) AS score "  # noqa: S608
                f"FROM {self.table} WHERE {self.table} MATCH %s{restrict.format(key='rowid')} "
                f"ORDER BY score DESC, rowid LIMIT %s",
                [query.fts5(), *params, limit],
            )
            return [(int(k), float(s)) for k, s in cursor.fetchall()]

    def _pg_weights(self) -> list[float]:
        """ts_rank's weights array: D, C, B, A; the fields are A, B, … in order."""
        by_letter = dict(zip(_WEIGHTS, self.weights, strict=False))
        top = max(self.weights)
        return [round(by_letter.get(letter, 0.0) / top, 6) for letter in reversed(_WEIGHTS)]


def tsvector_literal(fields: Sequence[str]) -> str:
    """A tsvector of the fields' terms, weighted A, B, … in order, with positions (for
    ranking): `'term':1A,7A 'other':2B`. Terms never hold a quote (normalize.py)."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, text in zip(_WEIGHTS, fields, strict=False):
        for term in text.split():
            position = min(position + 1, _MAX_POSITION)
            seen = positions.setdefault(term, [])
            if len(seen) < _MAX_POSITIONS_PER_TERM:
                seen.append(f"{position}{weight}")
    return " ".join(f"'{term}':{','.join(at)}" for term, at in positions.items())


def _cut(terms: str) -> str:
    """At most MAX_FIELD_CHARS of terms, cut at a space."""
    if len(terms) <= MAX_FIELD_CHARS:
        return terms
    return terms[:MAX_FIELD_CHARS].rsplit(" ", 1)[0]
