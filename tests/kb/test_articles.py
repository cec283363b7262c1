"""Writing articles: versions, drafts and publishing, who may write, addresses."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.personas import Agents
from zayavka.kb.actions.articles import (
    ArticleText,
    create_article,
    publish_article,
    update_article,
    withdraw_article,
)
from zayavka.kb.models import Article

pytestmark = pytest.mark.django_db

TEXT = ArticleText(
    title_ru="Почта не приходит",
    body_ru="Проверьте папку «Спам».\n\n<script>alert(1)</script>",
)


def test_a_new_article_is_a_draft_with_its_first_version(agents: Agents) -> None:
    article = create_article(TEXT, by=agents.anna)
    assert article.slug == "pochta-ne-prikhodit"
    assert article.state == Article.State.DRAFT and article.published_at is None
    assert article.author == agents.anna
    assert "<script>" not in article.html_ru and "&lt;script&gt;" in article.html_ru
    [first] = article.revisions.all()
    assert (first.number, first.saved_by, first.title_ru) == (1, agents.anna, "Почта не приходит")


def test_every_save_keeps_a_version_with_who_and_when(agents: Agents) -> None:
    article = create_article(TEXT, by=agents.anna)
    changed = ArticleText(title_ru="Почта не приходит", body_ru="Новый текст.", tags="почта")
    assert update_article(article, changed, by=agents.boris, note="переписал")
    assert not update_article(article, changed, by=agents.boris)  # nothing changed
    assert publish_article(article, by=agents.anna)
    assert not publish_article(article, by=agents.anna)
    assert withdraw_article(article, by=agents.boris)
    versions = list(article.revisions.order_by("number"))
    assert [(v.number, v.saved_by, v.state) for v in versions] == [
        (1, agents.anna, "draft"),
        (2, agents.boris, "draft"),
        (3, agents.anna, "published"),
        (4, agents.boris, "draft"),
    ]
    assert versions[1].note == "переписал" and versions[1].body_ru == "Новый текст.\n"
    assert versions[0].body_ru.startswith("Проверьте папку")
    article.refresh_from_db()
    assert article.revision == 4 and article.published_at is not None
    assert article.html_ru == "<p>Новый текст.</p>\n"
    assert article.slug == "pochta-ne-prikhodit"  # the address stays with the title changed


def test_taken_addresses_are_numbered(agents: Agents, in_english: None) -> None:
    assert create_article(TEXT, by=agents.anna).slug == "pochta-ne-prikhodit"
    assert create_article(TEXT, by=agents.anna).slug == "pochta-ne-prikhodit-2"
    english = create_article(
        ArticleText(title_ru="Почта", body_ru="x", title_en="Mail is not arriving", body_en="y"),
        by=agents.anna,
    )
    assert english.slug == "mail-is-not-arriving"
    with pytest.raises(ValidationError, match="has this address already"):
        create_article(ArticleText(title_ru="x", body_ru="y", slug="pochta-ne-prikhodit"), by=None)


def test_only_agents_write_articles(agents: Agents) -> None:
    with pytest.raises(PermissionDenied):
        create_article(TEXT, by=agents.oleg)
    article = create_article(TEXT, by=agents.anna)
    with pytest.raises(PermissionDenied):
        update_article(article, ArticleText(title_ru="x", body_ru="y"), by=agents.oleg)
    with pytest.raises(PermissionDenied):
        publish_article(article, by=agents.oleg)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (ArticleText(), "in Russian, in English or in both"),
        (ArticleText(title_ru="Заголовок"), "needs both a title and a text"),
        (ArticleText(title_en="Title", body_en=""), "needs both a title and a text"),
        (ArticleText(title_ru="x", body_ru="я" * 600_000), "at most 256"),
        (ArticleText(title_ru="x", body_ru="y", slug="Почта"), "Latin letters"),
    ],
)
def test_an_incomplete_or_huge_article_is_refused(
    agents: Agents, text: ArticleText, problem: str, in_english: None
) -> None:
    with pytest.raises(ValidationError, match=problem):
        create_article(text, by=agents.anna)
    assert not Article.objects.exists()
