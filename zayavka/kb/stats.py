"""Which articles fail their readers: answered «Не помогло», or shown to people who
filed a request anyway within a day (`actions.readers.FOLLOW_UP_WINDOW`). And which
helped: a «Помогло» on a suggestion with no request after it is a request not needed
(deflection)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from zayavka.kb.models import Article, ArticleFeedback, ArticleShown, Placement


@dataclass(frozen=True)
class ArticleStats:
    article: Article
    shown: int  # visitors the article was shown to (page or suggestion)
    followed: int  # of them, how many filed a request afterwards
    deflected: int  # «Помогло» on a suggestion, and no request afterwards

    @property
    def answers(self) -> int:
        return self.article.helpful + self.article.not_helpful

    @property
    def unhelpful_share(self) -> float:
        return self.article.not_helpful / self.answers if self.answers else 0.0

    @property
    def followed_share(self) -> float:
        return self.followed / self.shown if self.shown else 0.0

    @property
    def failure(self) -> float:
        """How badly it fails, 0 to 1: the worse of its two shares."""
        return max(self.unhelpful_share, self.followed_share)


def _count(queryset: QuerySet[Any, Any]) -> Coalesce:
    return Coalesce(Subquery(queryset, output_field=IntegerField()), 0)


def article_stats(since: datetime | None = None) -> list[ArticleStats]:
    """Every published article with its counts (showings since `since`, when given)."""
    shown = ArticleShown.objects.filter(article=OuterRef("pk"))
    feedback = ArticleFeedback.objects.filter(article=OuterRef("pk"))
    if since is not None:
        shown = shown.filter(shown_at__gte=since)
        feedback = feedback.filter(created_at__gte=since)
    rows = (
        Article.objects.published()
        .annotate(
            shown_n=_count(shown.order_by().values("article").annotate(n=Count("pk")).values("n")),
            followed_n=_count(
                shown.filter(ticket__isnull=False)
                .order_by()
                .values("article")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            deflected_n=_count(
                feedback.filter(placement=Placement.SUGGESTION, helpful=True, ticket__isnull=True)
                .order_by()
                .values("article")
                .annotate(n=Count("pk"))
                .values("n")
            ),
        )
        .select_related("category")
    )
    return [
        ArticleStats(
            article=a,
            shown=a.shown_n,
            followed=a.followed_n,
            deflected=a.deflected_n,
        )
        for a in rows
    ]


def failing_articles(since: datetime | None = None, limit: int = 100) -> list[ArticleStats]:
    """The articles with a failure, worst first (ties: the more people it failed)."""
    found = [s for s in article_stats(since) if s.failure > 0]
    found.sort(key=lambda s: (-s.failure, -(s.article.not_helpful + s.followed), s.article.pk))
    return found[:limit]


def deflections(since: datetime | None = None) -> int:
    """Requests not filed because a suggested article helped."""
    rows = ArticleFeedback.objects.filter(
        placement=Placement.SUGGESTION, helpful=True, ticket__isnull=True
    )
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return rows.count()
