"""Finding articles: the knowledge base's full-text index (`zayavka.search`), kept up to
date by the actions in the transaction that saves an article.

One document per article, both languages in it: a Russian query finds an article that
has only an English version and the reverse, and the reader then gets the version in
their language. Fields, heaviest first: the titles, the tags (programs, codes, the words
clients use), the texts.

Ranking: the articles holding any word of the query (a client's description is long
and loose: requiring every word would find nothing), ranked by the shared index's
BM25F over the stored terms, alike on SQLite and PostgreSQL (bench/kb_search.py
measures it): a rare word or code counts for more than a common one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from zayavka.kb.models import Article
from zayavka.kb.render import plain_text
from zayavka.search import FullTextIndex

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


def reindex_all(batch: int = 500) -> int:
    """Index every article again (after a change of the normaliser); returns how many."""
    ARTICLES.clear()
    rows = Article.objects.order_by("pk").iterator(chunk_size=batch)
    return ARTICLES.update_many(((a.pk, document_of(a)) for a in rows), batch=batch)


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float


def search_articles(
    text: str, among: QuerySet[Article], *, limit: int = 5, prefix: bool = False
) -> list[Hit]:
    """The best articles of `among` (e.g. `kb.access.readable_articles(user)`) for
    what someone typed, best first: the articles holding any of its words, ranked by
    `FullTextIndex.search` (BM25F over the stored terms, alike on both back ends).
    `prefix`: the last word may be unfinished (typing). Any text is safe: FTS syntax is
    never passed on, and a text without terms finds nothing."""
    # Most articles are readable: rank in the whole index and keep the readable ones;
    # only when too few of the best are, rank again among the readable ones alone.
    wider = limit * 4
    found = ARTICLES.search(text, wider, prefix=prefix, match="any")
    readable = set(among.filter(pk__in=[key for key, _s in found]).values_list("pk", flat=True))
    if len(found) == wider and sum(1 for key, _s in found if key in readable) < limit:
        keys = list(among.order_by().values_list("pk", flat=True))
        found = ARTICLES.search(text, limit, prefix=prefix, match="any", among=keys)
        readable = {key for key, _s in found}
    found = [(key, score) for key, score in found if key in readable][:limit]
    articles = Article.objects.select_related("category").in_bulk([key for key, _s in found])
    return [Hit(articles[key], round(score, 4)) for key, score in found if key in articles]
