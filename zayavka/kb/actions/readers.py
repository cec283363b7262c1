"""What readers do with articles: read them, see them suggested, say whether they
helped, and file a request anyway. Cheap on purpose: a view is one UPDATE of a counter;
a row is written only the first time a visitor meets an article (`record_shown`, the
caller remembers which it has recorded) and for each answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from zayavka.accounts.models import Contact
from zayavka.kb.models import Article, ArticleFeedback, ArticleShown, Placement

#: A request filed this long after an article was shown counts against the article.
FOLLOW_UP_WINDOW = timedelta(days=1)


def count_view(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)


def record_shown(
    articles: Sequence[Article],
    placement: str,
    *,
    visitor: str,
    contact: Contact | None = None,
    at: datetime | None = None,
) -> None:
    """Note that the visitor was shown these articles (first time each, the caller
    decides); suggestions also move the articles' `suggested` counters."""
    if not articles:
        return
    now = at or timezone.now()
    with transaction.atomic():
        ArticleShown.objects.bulk_create(
            ArticleShown(
                article=article,
                placement=placement,
                visitor=visitor,
                contact=contact,
                shown_at=now,
            )
            for article in articles
        )
        if placement == Placement.SUGGESTION:
            Article.objects.filter(pk__in=[a.pk for a in articles]).update(
                suggested=F("suggested") + 1
            )


def give_feedback(
    article: Article,
    helpful: bool,
    *,
    placement: str,
    visitor: str,
    contact: Contact | None = None,
    at: datetime | None = None,
) -> ArticleFeedback:
    """The visitor's «Помогло» (`helpful`) or «Не помогло». One answer per visitor and
    article: answering again replaces the first, and the counters follow."""
    now = at or timezone.now()
    try:
        with transaction.atomic():
            return _give(article, helpful, placement, visitor, contact, now)
    except IntegrityError:
        # A second click of the same visitor won the race: answer again over it.
        with transaction.atomic():
            return _give(article, helpful, placement, visitor, contact, now)


def _give(
    article: Article,
    helpful: bool,
    placement: str,
    visitor: str,
    contact: Contact | None,
    now: datetime,
) -> ArticleFeedback:
    existing = (
        ArticleFeedback.objects.select_for_update().filter(article=article, visitor=visitor).first()
    )
    counter = "helpful" if helpful else "not_helpful"
    if existing is None:
        feedback = ArticleFeedback.objects.create(
            article=article,
            helpful=helpful,
            placement=placement,
            visitor=visitor,
            contact=contact,
            created_at=now,
        )
        Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
        return feedback
    if existing.helpful != helpful:
        other = "not_helpful" if helpful else "helpful"
        Article.objects.filter(pk=article.pk).update(
            **{counter: F(counter) + 1, other: F(other) - 1}
        )
    existing.helpful = helpful
    existing.placement = placement
    existing.created_at = now
    existing.contact = contact or existing.contact
    existing.save(update_fields=["helpful", "placement", "created_at", "contact"])
    return existing


def note_request_filed(visitor: str, ticket_id: int, *, at: datetime | None = None) -> int:
    """The visitor filed the ticket `ticket_id`: the articles shown to them (and those
    they answered on) in the last FOLLOW_UP_WINDOW did not prevent it. Returns how many
    showings it marks."""
    if not visitor:
        return 0
    since = (at or timezone.now()) - FOLLOW_UP_WINDOW
    with transaction.atomic():
        marked = ArticleShown.objects.filter(
            visitor=visitor, shown_at__gte=since, ticket__isnull=True
        ).update(ticket_id=ticket_id)
        ArticleFeedback.objects.filter(
            visitor=visitor, created_at__gte=since, ticket__isnull=True
        ).update(ticket_id=ticket_id)
    return marked
