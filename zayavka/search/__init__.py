"""Full-text search for every part of the desk: one normaliser, one index API.

A leaf package: it imports nothing of the desk (no tickets, no kb), only Django's
database connection. Apps own their indexes, fill them in their actions' transactions
and create their storage in their own migrations.

The stable API (other apps rely on it; extend it, do not change it):

    from zayavka.search import FullTextIndex, document_terms, query_terms, build_query

    ARTICLES = FullTextIndex("kb_articles", fields=("title", "body"), weights=(3.0, 1.0))

    # a migration of the app that owns the index
    migrations.RunPython(lambda apps, se: ARTICLES.create(se),
                         lambda apps, se: ARTICLES.drop(se))
    # or the SQL itself: ARTICLES.create_sql(vendor) / ARTICLES.drop_sql(vendor)

    # in the action that writes the source rows, inside its transaction
    ARTICLES.update(article.pk, {"title": title, "body": markdown_text})
    ARTICLES.append(ticket.pk, {"thread": message.text})      # add to a document
    ARTICLES.delete(article.pk)
    ARTICLES.update_many((pk, {"title": t, "body": b}) for pk, t, b in rows)  # backfill
    ARTICLES.clear()

    # searching: [(key, score)], best first, higher score better
    ARTICLES.search("не уходит почта", limit=5)                # every term
    ARTICLES.search("почта outlook ошибка", limit=5, match="any")  # any term, ranked
    ARTICLES.search("бухгал", prefix=True)                     # last word while typing
    ARTICLES.search(q, among=Article.objects.filter(public=True).values("pk"))
    ARTICLES.search(q, among=[3, 5, 8])
    ARTICLES.keys_sql(q, prefix=True) -> (sql, params) | None  # `pk IN (sql)` subquery

    document_terms(text) -> list[str]   # what is indexed for a text
    query_terms(text) -> list[str]      # what a query asks for
    build_query(text, prefix=..., match="all"|"any") -> Query  # .fts5(), .tsquery()

Keys are integers (a row's primary key). A document has up to four fields, heaviest
first; `weights` rank them (bm25 column weights on SQLite, ts_rank's A–D on
PostgreSQL). The storage is the table `fulltext_<name>`: an FTS5 table on SQLite, a
table with a GIN-indexed tsvector on PostgreSQL, both holding the same normalised
terms, so that both back ends find the same documents. Any text is safe as a query:
FTS syntax is never passed through, a huge or punctuation-only query is cut or empty
(and finds nothing), and nothing raises. See normalize.py for what a term is.
"""

from zayavka.search.index import FullTextIndex, tsvector_literal
from zayavka.search.normalize import (
    Normaliser,
    document_terms,
    normaliser,
    query_terms,
    stop_words,
)
from zayavka.search.query import Query
from zayavka.search.query import build as build_query

__all__ = [
    "FullTextIndex",
    "Normaliser",
    "Query",
    "build_query",
    "document_terms",
    "normaliser",
    "query_terms",
    "stop_words",
    "tsvector_literal",
]
