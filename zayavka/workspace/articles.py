"""The knowledge base in the workspace: the article form, and articles put into replies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zayavka.kb.actions.articles import ArticleText
from zayavka.kb.models import Article, KbCategory
from zayavka.kb.search import search_articles
from zayavka.tickets.models import Message, Ticket


class ArticleForm(forms.Form):
    title_ru = forms.CharField(label=_("Title in Russian"), max_length=300, required=False)
    body_ru = forms.CharField(
        label=_("Text in Russian (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    title_en = forms.CharField(label=_("Title in English"), max_length=300, required=False)
    body_en = forms.CharField(
        label=_("Text in English (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    category = forms.ModelChoiceField(
        label=_("Section"), queryset=KbCategory.objects.all(), required=False, empty_label="—"
    )
    visibility = forms.ChoiceField(
        label=_("Who reads it"),
        choices=Article.Visibility.choices,
        initial=Article.Visibility.PUBLIC,
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=500,
        required=False,
        help_text=_("Comma-separated: programs, error codes, words clients use."),
    )
    slug = forms.CharField(
        label=_("Address"),
        max_length=80,
        required=False,
        help_text=_("Empty: made from the title. It stays when the title changes later."),
    )
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def article_text(self) -> ArticleText:
        data = self.cleaned_data
        return ArticleText(
            title_ru=data["title_ru"],
            body_ru=data["body_ru"],
            title_en=data["title_en"],
            body_en=data["body_en"],
            category=data["category"],
            visibility=data["visibility"],
            tags=data["tags"],
            slug=data["slug"],
        )

    @classmethod
    def initial_of(cls, article: Article) -> dict[str, Any]:
        return {
            "title_ru": article.title_ru,
            "body_ru": article.body_ru,
            "title_en": article.title_en,
            "body_en": article.body_en,
            "category": article.category,
            "visibility": article.visibility,
            "tags": article.tags,
            "slug": article.slug,
        }


def article_url(article: Article) -> str:
    """The article's address as a link for mail and chat."""
    return f"{settings.SITE_URL}{reverse('portal:kb-article', args=[article.slug])}"


def article_snippet(article: Article, mode: str, language: str) -> str:
    """What goes into a reply: «Title»: link, or (`mode` "text") the title, the text in
    Markdown with this site's links made absolute, and the link."""
    lang = article.language_for(language)
    title = getattr(article, f"title_{lang}")
    url = article_url(article)
    if mode != "text":
        return f"«{title}»: {url}"
    body = getattr(article, f"body_{lang}").strip().replace("](/", f"]({settings.SITE_URL}/")
    return f"{title}\n\n{body}\n\n{url}"


def articles_for_ticket(ticket: Ticket, limit: int = 30) -> list[Article]:
    """Public articles to offer for a reply: the ones the search finds for the ticket's
    subject and first message first, then those of its category, then the most helpful."""
    public = Article.objects.public()
    first_message = (
        ticket.messages.filter(direction=Message.Direction.INBOUND)
        .order_by("created_at", "pk")
        .values_list("text", flat=True)
        .first()
        or ""
    )
    found = [
        hit.article
        for hit in search_articles(f"{ticket.subject}\n{first_message}", public, limit=5)
    ]
    if ticket.category_id is not None:
        found += list(
            public.filter(category__ticket_category_id=ticket.category_id)
            .exclude(pk__in=[a.pk for a in found])
            .order_by("-helpful", "pk")[:limit]
        )
    rest = public.exclude(pk__in=[a.pk for a in found]).order_by("-helpful", "-views", "pk")
    return (found + list(rest[: max(0, limit - len(found))]))[:limit]
