"""Who reads which articles: decided once, for the portal, the workspace and the bots.

Anyone (anonymous visitors and clients included) reads published public articles.
The desk's agents (`tickets.access.is_agent`) also read internal articles and drafts.
"""

from __future__ import annotations

from django.http import Http404

from zayavka.kb.models import Article, ArticleQuerySet
from zayavka.tickets.access import AnyUser, is_agent


def readable_articles(user: AnyUser) -> ArticleQuerySet:
    """The published articles the user may read (internal ones for agents)."""
    if is_agent(user):
        return Article.objects.published()
    return Article.objects.public()


def may_read(user: AnyUser, article: Article) -> bool:
    return is_agent(user) or article.is_public


def access_article(user: AnyUser, slug: str) -> Article:
    """The article at this address if the user may read it (agents: drafts too);
    Http404 otherwise, so that an internal article does not exist for clients."""
    article = Article.objects.select_related("category").filter(slug=slug).first()
    if article is None or not may_read(user, article):
        raise Http404("no such article")
    return article
