"""Writing articles: create, edit, publish, withdraw. Every save keeps a version.

Each action checks that the actor is one of the desk's agents (None: the desk itself,
as when the demo loads), renders the Markdown once (`render.render_markdown`) and keeps
the HTML; pages show the stored HTML and never render on view. The search index
(`kb.search`) is updated in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zayavka.accounts.models import User
from zayavka.kb.models import Article, ArticleRevision, KbCategory
from zayavka.kb.render import check_size, render_markdown
from zayavka.kb.search import index_article
from zayavka.kb.slugs import is_valid_slug, numbered, slug_from_title
from zayavka.tickets import access
from zayavka.tickets.models import Ticket


@dataclass(frozen=True)
class ArticleText:
    """What an author writes: both languages, where the article goes, who reads it."""

    title_ru: str = ""
    body_ru: str = ""
    title_en: str = ""
    body_en: str = ""
    category: KbCategory | None = None
    visibility: str = Article.Visibility.PUBLIC
    tags: str = ""
    slug: str = ""

    def cleaned(self) -> ArticleText:
        return replace(
            self,
            title_ru=self.title_ru.strip(),
            title_en=self.title_en.strip(),
            body_ru=self.body_ru.strip("\n") + "\n" if self.body_ru.strip() else "",
            body_en=self.body_en.strip("\n") + "\n" if self.body_en.strip() else "",
            tags=", ".join(t.strip() for t in self.tags.split(",") if t.strip()),
            slug=self.slug.strip().lower(),
        )


def check_article_text(text: ArticleText) -> None:
    """ValidationError listing what is wrong: no language written, a title without its
    text (or the reverse), an article over the size limit, a malformed address."""
    errors: list[ValidationError] = []
    for lang, name in (("ru", _("Russian")), ("en", _("English"))):
        title, body = getattr(text, f"title_{lang}"), getattr(text, f"body_{lang}")
        if bool(title.strip()) != bool(body.strip()):
            errors.append(
                ValidationError(
                    _("The %(language)s version needs both a title and a text.")
                    % {"language": name}
                )
            )
        try:
            check_size(body)
        except ValidationError as exc:
            errors.append(exc)
    if not (text.title_ru.strip() or text.title_en.strip()):
        errors.append(ValidationError(_("Write the article in Russian, in English or in both.")))
    if text.visibility not in Article.Visibility.values:
        errors.append(ValidationError(_("Choose who may read the article.")))
    if text.slug and not is_valid_slug(text.slug):
        errors.append(
            ValidationError(
                _("The address may hold only Latin letters, digits and hyphens (at most 80).")
            )
        )
    if errors:
        raise ValidationError(errors)


def _check_author(by: User | None) -> None:
    if by is not None and not access.is_agent(by):
        raise PermissionDenied("only the desk's agents write articles")


def _free_slug(wanted: str, *, exclude: int | None = None) -> str:
    taken = Article.objects.exclude(pk=exclude) if exclude else Article.objects.all()
    slug, n = wanted, 1
    while taken.filter(slug=slug).exists():
        n += 1
        slug = numbered(wanted, n)
    return slug


def create_article(
    text: ArticleText,
    *,
    by: User | None,
    publish: bool = False,
    source_ticket: Ticket | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Article:
    """A new article (a draft unless `publish`), with its first version. Its address is
    the one given or made from the title (English first, else Russian transliterated),
    numbered when taken. ValidationError as `check_article_text`; PermissionDenied for a
    non-agent."""
    _check_author(by)
    text = text.cleaned()
    check_article_text(text)
    now = at or timezone.now()
    with transaction.atomic():
        if text.slug and Article.objects.filter(slug=text.slug).exists():
            raise ValidationError(_("Another article has this address already."))
        slug = text.slug or _free_slug(slug_from_title(text.title_en or text.title_ru))
        article = Article(
            slug=slug,
            author=by,
            source_ticket=source_ticket,
            created_at=now,
            updated_at=now,
            state=Article.State.PUBLISHED if publish else Article.State.DRAFT,
            published_at=now if publish else None,
        )
        _fill(article, text)
        article.save()
        _keep_version(article, by=by, at=now, note=note)
    return article


def update_article(
    article: Article,
    text: ArticleText,
    *,
    by: User | None,
    note: str = "",
    at: datetime | None = None,
) -> bool:
    """Save a new version of the article's text, category, visibility and tags; the
    address stays unless a new valid one is given. False (and nothing saved) when
    nothing changed."""
    _check_author(by)
    text = text.cleaned()
    check_article_text(text)
    now = at or timezone.now()
    with transaction.atomic():
        _lock(article)
        if text.slug and text.slug != article.slug:
            if Article.objects.filter(slug=text.slug).exclude(pk=article.pk).exists():
                raise ValidationError(_("Another article has this address already."))
            article.slug = text.slug
        before = _snapshot(article)
        _fill(article, text)
        if _snapshot(article) == before:
            return False
        article.updated_at = now
        article.save()
        _keep_version(article, by=by, at=now, note=note)
    return True


def publish_article(article: Article, *, by: User | None, at: datetime | None = None) -> bool:
    """Make the article readable (to its audience); False when it already was."""
    return _set_state(article, Article.State.PUBLISHED, by=by, at=at)


def withdraw_article(article: Article, *, by: User | None, at: datetime | None = None) -> bool:
    """Back to a draft: nobody but agents reads it until it is published again."""
    return _set_state(article, Article.State.DRAFT, by=by, at=at)


def _set_state(article: Article, state: str, *, by: User | None, at: datetime | None) -> bool:
    _check_author(by)
    now = at or timezone.now()
    with transaction.atomic():
        _lock(article)
        if article.state == state:
            return False
        article.state = state
        article.updated_at = now
        fields = ["state", "updated_at", "revision"]
        if state == Article.State.PUBLISHED and article.published_at is None:
            article.published_at = now
            fields.append("published_at")
        note = _("Published") if state == Article.State.PUBLISHED else _("Withdrawn to draft")
        _keep_version(article, by=by, at=now, note=note, fields=fields)
    return True


def _lock(article: Article) -> None:
    fresh = Article.objects.select_for_update().get(pk=article.pk)
    for field in Article._meta.concrete_fields:
        setattr(article, field.attname, getattr(fresh, field.attname))


_TEXT_FIELDS = ("title_ru", "body_ru", "title_en", "body_en", "visibility", "tags")


def _fill(article: Article, text: ArticleText) -> None:
    for lang in ("ru", "en"):
        body = getattr(text, f"body_{lang}")
        if body != getattr(article, f"body_{lang}") or not getattr(article, f"html_{lang}"):
            setattr(article, f"html_{lang}", render_markdown(body) if body else "")
    for name in _TEXT_FIELDS:
        setattr(article, name, getattr(text, name))
    article.category = text.category


def _snapshot(article: Article) -> tuple[object, ...]:
    return (article.slug, article.category_id, *(getattr(article, n) for n in _TEXT_FIELDS))


def _keep_version(
    article: Article,
    *,
    by: User | None,
    at: datetime,
    note: str,
    fields: list[str] | None = None,
) -> None:
    article.revision += 1
    if fields is not None:
        article.save(update_fields=fields)
    else:
        article.save(update_fields=["revision"])
    ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        state=article.state,
        visibility=article.visibility,
        category=article.category,
        title_ru=article.title_ru,
        body_ru=article.body_ru,
        title_en=article.title_en,
        body_en=article.body_en,
        tags=article.tags,
        saved_by=by,
        saved_at=at,
        note=note[:300],
    )
    index_article(article)
