"""The knowledge base's tests: a few articles loaded from real Markdown files
(tests/kb/articles/, the format of zayavka/kb/demo/articles/) through the loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import World
from zayavka.kb.actions.importing import load_articles
from zayavka.kb.models import Article
from zayavka.tickets.models import Category

ARTICLES = Path(__file__).parent / "articles"


@pytest.fixture
def kb(world: World) -> dict[str, Article]:
    """The fixture articles by slug, published: Outlook 0x800CCC0F (ru+en, mail), a 502
    on a site (ru), an internal VPN article (ru) and a printer one (en only)."""
    Category.objects.create(slug="mail", name_ru="Почта", name_en="Mail")
    report = load_articles(ARTICLES)
    assert report.errors == []
    return {a.slug: a for a in Article.objects.all()}
