"""Finding articles: the knowledge base's full-text index (`zayavka.search`), kept up to
date by the actions in the transaction that saves an article.

One document per article, both languages in it: a Russian query finds an article that
has only an English version and the reverse, and the reader then gets the version in
their language. Fields, heaviest first: the titles, the tags (programs, codes, the words
clients use), the texts.

Ranking: the back end picks the candidates, the articles holding every term of the
query and those holding any of them (a client's description is long and loose:
requiring every word would find nothing); the desk ranks them itself with BM25F over the
stored terms, so that SQLite and PostgreSQL answer alike (bench/kb_search.py measures
it), and a rare word or code counts for more than a common one.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from zayavka.kb.models import Article
from zayavka.kb.render import plain_text
from zayavka.search import FullTextIndex, Query

ARTICLES = FullTextIndex("kb_articles", fields=("title", "tags", "body"), weights=(6.0, 3.0, 1.0))


def document_of(article: Article) -> dict[str, str]:
    return {
        "title": f"{article.title_ru}\n{article.title_en}",
        "tags": article.tags,
        "body": f"{plain_text(article.html_ru)}\n{plain_text(article.html_en)}",
    }


def index_article(article: Article) -> None:
    """(Re)index the article as it is now; in the caller's transaction."""
    ARTICLES.update(article.pk, document_of(article))
    forget_counts()


def reindex_all(batch: int = 500) -> int:
    """Index every article again (after a change of the normaliser); returns how many."""
    ARTICLES.clear()
    forget_counts()
    rows = Article.objects.order_by("pk").iterator(chunk_size=batch)
    return ARTICLES.update_many(((a.pk, document_of(a)) for a in rows), batch=batch)


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float


# Ranking. The back ends' own formulas differ (bm25 on SQLite, ts_rank without idf on
# PostgreSQL), so they pick the candidates and the desk ranks them itself, the same way on
# both: BM25F over the stored terms, with the fields' weights, each field's length taken
# against a typical one (so that a long article does not win by its length alone).
CANDIDATES = 40
RARE_TERMS = 4
_K1 = 1.2
_B = 0.5
_TYPICAL_LENGTH = (12.0, 6.0, 200.0)


def search_articles(
    text: str, among: QuerySet[Article], *, limit: int = 5, prefix: bool = False
) -> list[Hit]:
    """The best articles of `among` (e.g. `kb.access.readable_articles(user)`) for
    what someone typed, best first. `prefix`: the last word may be unfinished (typing).
    Any text is safe: FTS syntax is never passed on, and a text without terms finds
    nothing."""
    query = ARTICLES.query(text, prefix=prefix, match="any")
    if not query or limit <= 0:
        return []
    idf, seen = _idf(query)
    # The back ends pick candidates from the whole index, and `among` sorts them out
    # after: an FTS5 MATCH restricted by a subquery reads the subquery's rows first.
    # Articles holding every term, then those holding one of the rarest terms: a word
    # most articles hold («ошибка», «не работает») picks no candidate of its own.
    found = {key for key, _score in ARTICLES.search(replace(query, match="all"), CANDIDATES)}
    held = [n for n in range(len(query.terms)) if seen[n]]  # a misspelt word is in none
    rare = sorted(held, key=lambda n: -idf[n])[:RARE_TERMS]
    if not rare:
        return []
    narrowed = Query(
        tuple(query.terms[n] for n in sorted(rare)),
        prefix=query.prefix and len(query.terms) - 1 in rare,
        match="any",
    )
    found |= {key for key, _score in ARTICLES.search(narrowed, CANDIDATES)}
    candidates = set(among.filter(pk__in=found).values_list("pk", flat=True)) if found else set()
    if not candidates:
        return []
    scored = _rank(query, idf, ARTICLES.stored_terms(sorted(candidates)))
    best = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
    articles = Article.objects.select_related("category").in_bulk([key for key, _s in best])
    return [Hit(articles[key], round(score, 4)) for key, score in best if key in articles]


def _idf(query: Query) -> tuple[list[float], list[int]]:
    """Each term's inverse document frequency, and how many documents hold it."""
    total = max(_count(None), 1)
    last = len(query.terms) - 1
    seen = [
        _count(Query((term,), prefix=query.prefix and n == last))
        for n, term in enumerate(query.terms)
    ]
    return [math.log(1 + (total - df + 0.5) / (df + 0.5)) for df in seen], seen


def _rank(query: Query, idf: list[float], documents: dict[int, list[str]]) -> dict[int, float]:
    last = len(query.terms) - 1
    typed = re.compile(r"(?:^| )" + re.escape(query.terms[-1])) if query.prefix else None
    scores: dict[int, float] = {}
    for key, fields in documents.items():
        padded = [f" {field} " for field in fields]
        lengths = [field.count(" ") + 1 if field else 0 for field in fields]
        score = 0.0
        for n, term in enumerate(query.terms):
            weighted = 0.0
            for field, length, weight, typical in zip(
                padded, lengths, ARTICLES.weights, _TYPICAL_LENGTH, strict=True
            ):
                if typed is not None and n == last:
                    tf = len(typed.findall(field))
                else:
                    tf = field.count(f" {term} ")
                if tf:
                    weighted += weight * tf / (1 - _B + _B * length / typical)
            if weighted:
                score += idf[n] * weighted * (_K1 + 1) / (weighted + _K1)
        scores[key] = score
    return scores


# Document counts change slowly and matter little to the ranking: each process keeps
# them for a minute rather than counting on every query.
_COUNTS: dict[tuple[str, str, tuple[str, ...], bool], tuple[float, int]] = {}
_COUNTS_FOR = 60.0
_COUNTS_KEPT = 10_000


def _count(query: Query | None) -> int:
    """How many documents hold the query's term (all documents: None)."""
    cache_key = (
        connection.vendor,
        str(connection.settings_dict["NAME"]),
        query.terms if query else (),
        bool(query and query.prefix),
    )
    now = time.monotonic()
    cached = _COUNTS.get(cache_key)
    if cached is not None and now - cached[0] < _COUNTS_FOR:
        return cached[1]
    if len(_COUNTS) >= _COUNTS_KEPT:
        _COUNTS.clear()
    count = _count_now(query)
    _COUNTS[cache_key] = (now, count)
    return count


def forget_counts() -> None:
    """Count afresh (after articles were indexed: the tests, a reindex)."""
    _COUNTS.clear()


def _count_now(query: Query | None) -> int:
    params: list[Any] = []
    if query is None:
        sql = f"SELECT rowid FROM {ARTICLES.table}"  # noqa: S608
        if connection.vendor == "postgresql":
            sql = f"SELECT key FROM {ARTICLES.table}"  # noqa: S608
    else:
        found = ARTICLES.keys_sql(query)
        if found is None:
            return 0
        sql, params = found
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) AS matching", params)  # noqa: S608
        return int(cursor.fetchone()[0])
