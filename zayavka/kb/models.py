"""The knowledge base's tables: categories, articles (Russian and English in one row),
every saved version, files, where articles were shown and what readers said of them.

Models do no I/O: rendering, history and counters are written by `zayavka.kb.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zayavka.tickets.models.catalog import Bilingual


class KbCategory(Bilingual):
    """A section of the knowledge base, linked to the desk's ticket category where the
    two mean the same problem (so that a request form can suggest its articles)."""

    slug = models.SlugField(_("code"), max_length=64, unique=True)
    ticket_category = models.ForeignKey(
        "tickets.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_categories",
        verbose_name=_("ticket category"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("knowledge base category")
        verbose_name_plural = _("knowledge base categories")


class ArticleQuerySet(models.QuerySet["Article"]):
    def published(self) -> ArticleQuerySet:
        return self.filter(state=Article.State.PUBLISHED)

    def public(self) -> ArticleQuerySet:
        """What anyone may read: published and public."""
        return self.published().filter(visibility=Article.Visibility.PUBLIC)


class Article(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: clients and visitors")
        INTERNAL = "internal", _("Internal: agents only")

    slug = models.SlugField(
        _("address"),
        max_length=80,
        unique=True,
        help_text=_("The article's address: /kb/<address>/. It stays when the title changes."),
    )
    category = models.ForeignKey(
        KbCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("category"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    body_ru = models.TextField(_("text (Russian, Markdown)"), blank=True)
    html_ru = models.TextField(_("text (Russian, rendered)"), blank=True, editable=False)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    html_en = models.TextField(_("text (English, rendered)"), blank=True, editable=False)
    tags = models.CharField(_("tags"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
        verbose_name=_("author"),
    )
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
        verbose_name=_("made from ticket"),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("changed"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("version"), default=0)
    # Counters, each moved by one UPDATE … SET n = n + 1: no row per view.
    views = models.PositiveIntegerField(_("views"), default=0)
    suggested = models.PositiveIntegerField(_("times suggested"), default=0)
    helpful = models.PositiveIntegerField(_("helped"), default=0)
    not_helpful = models.PositiveIntegerField(_("did not help"), default=0)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["state", "visibility"], name="kb_article_readable")]

    def __str__(self) -> str:
        return self.title

    def language_for(self, language: str | None = None) -> str:
        """The version to show a reader of `language`: theirs when written, else the
        other one."""
        wanted = "en" if (language or get_language() or "ru").startswith("en") else "ru"
        other = "ru" if wanted == "en" else "en"
        return wanted if getattr(self, f"title_{wanted}") else other

    def title_in(self, language: str | None = None) -> str:
        return str(getattr(self, f"title_{self.language_for(language)}"))

    def html_in(self, language: str | None = None) -> str:
        return str(getattr(self, f"html_{self.language_for(language)}"))

    def body_in(self, language: str | None = None) -> str:
        return str(getattr(self, f"body_{self.language_for(language)}"))

    @property
    def title(self) -> str:
        return self.title_in()

    @property
    def html(self) -> str:
        return self.html_in()

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def is_public(self) -> bool:
        return self.is_published and self.visibility == self.Visibility.PUBLIC

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class ArticleRevision(models.Model):
    """One saved version of an article, as it was saved, by whom and when (R32)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("article")
    )
    number = models.PositiveIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=16, choices=Article.State.choices)
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Article.Visibility.choices
    )
    category = models.ForeignKey(
        KbCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    title_ru = models.CharField(_("title (Russian)"), max_length=300, blank=True)
    body_ru = models.TextField(_("text (Russian, Markdown)"), blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    tags = models.CharField(_("tags"), max_length=500, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    saved_at = models.DateTimeField(_("saved"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_number"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleFile(models.Model):
    """A file or image of an article, stored like a ticket's attachments (by SHA-256)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="files", verbose_name=_("article")
    )
    storage_key = models.CharField(max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("article file")
        verbose_name_plural = _("article files")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}


class Placement(models.TextChoices):
    """Where a reader met an article."""

    PAGE = "page", _("Article page")
    SUGGESTION = "suggestion", _("Suggestion in the request form")
    BOT = "bot", _("Telegram assistant")


class ArticleShown(models.Model):
    """An article shown to a visitor, once per visitor and article: tells which articles
    people read and then filed a request anyway (`ticket`, set when they filed one)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="shown", verbose_name=_("article")
    )
    placement = models.CharField(_("where"), max_length=16, choices=Placement.choices)
    # The visitor's key, kept in their session across signing in.
    visitor = models.CharField(_("visitor"), max_length=64, blank=True)
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    shown_at = models.DateTimeField(_("shown"))
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request filed afterwards"),
    )

    class Meta:
        verbose_name = _("article shown")
        verbose_name_plural = _("articles shown")
        indexes = [
            models.Index(fields=["visitor", "shown_at"], name="kb_shown_visitor"),
            models.Index(fields=["article", "shown_at"], name="kb_shown_article"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.placement} {self.shown_at:%Y-%m-%d %H:%M}"


class ArticleFeedback(models.Model):
    """«Помогло / Не помогло» from one visitor about one article; the last answer counts."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("article")
    )
    helpful = models.BooleanField(_("helped"))
    placement = models.CharField(_("where"), max_length=16, choices=Placement.choices)
    visitor = models.CharField(_("visitor"), max_length=64)
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    created_at = models.DateTimeField(_("given"))
    # A request the same visitor filed after answering: a "helped" from a suggestion
    # without one is a request that was not needed (deflection).
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request filed afterwards"),
    )

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(fields=["article", "visitor"], name="kb_feedback_once"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {'+' if self.helpful else '-'}"
