"""Articles come from Markdown files: `<slug>.<ru|en>.md` with a header block."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import World
from zayavka.kb.actions.importing import DEMO_ARTICLES, load_articles
from zayavka.kb.models import Article, KbCategory
from zayavka.kb.source import SourceError, parse_article

pytestmark = pytest.mark.django_db


def test_the_header_block_is_read_with_comments_and_colons_in_titles() -> None:
    source = parse_article(
        "outlook-0x800ccc0f.ru.md",
        "---\ntitle: Outlook: ошибка 0x800CCC0F\ncategory: mail   # раздел\n"
        "ticket_category: mail\nvisibility: internal\ntags: outlook, 0x800CCC0F\n---\nТекст\n",
    )
    assert (source.slug, source.language) == ("outlook-0x800ccc0f", "ru")
    assert source.title == "Outlook: ошибка 0x800CCC0F"
    assert (source.category, source.ticket_category) == ("mail", "mail")
    assert source.visibility == "internal"
    assert source.tags == ("outlook", "0x800CCC0F")
    assert source.body == "Текст\n"


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("a.de.md", "---\ntitle: x\n---\n", "<slug>.<ru|en>.md"),
        ("Bad Name.ru.md", "---\ntitle: x\n---\n", "<slug>.<ru|en>.md"),
        ("a.ru.md", "title: x\n", "must start with a --- header"),
        ("a.ru.md", "---\ntitle: x\n", "not closed"),
        ("a.ru.md", "---\ncategory: mail\n---\n", "no title"),
        ("a.ru.md", "---\ntitle: x\nvisibility: secret\n---\n", "public or internal"),
        ("a.ru.md", "---\ntitle: x\njust words\n---\n", "key: value"),
    ],
)
def test_a_broken_file_is_named_with_its_problem(name: str, text: str, problem: str) -> None:
    with pytest.raises(SourceError, match=problem):
        parse_article(name, text)


def test_both_languages_become_one_article_with_its_section(kb: dict[str, Article]) -> None:
    outlook = kb["outlook-0x800ccc0f"]
    assert outlook.title_ru == "Outlook: ошибка 0x800CCC0F при получении почты"
    assert outlook.title_en == "Outlook: error 0x800CCC0F when receiving mail"
    assert "<strong>0x800CCC0F</strong>" in outlook.html_ru
    assert outlook.is_public and outlook.tag_list == ["outlook", "0x800CCC0F"]
    assert outlook.category is not None and outlook.category.slug == "mail"
    assert (outlook.category.name_ru, outlook.category.name_en) == ("Почта", "Email")
    assert outlook.category.ticket_category is not None
    assert outlook.category.ticket_category.slug == "mail"
    site = KbCategory.objects.get(slug="site")
    assert site.ticket_category is not None and site.ticket_category.slug == "site-down"
    assert kb["vpn-reset-internal"].visibility == Article.Visibility.INTERNAL
    assert kb["printer-offline"].title_ru == "" and kb["printer-offline"].title_en


def test_loading_again_changes_only_what_changed(kb: dict[str, Article], tmp_path: Path) -> None:
    from tests.kb.conftest import ARTICLES

    for path in ARTICLES.glob("*.md"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    again = load_articles(tmp_path)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 4
    edited = tmp_path / "site-502-bad-gateway.ru.md"
    edited.write_text(edited.read_text().replace("пять минут", "десять минут"))
    (tmp_path / "broken.ru.md").write_text("no header")
    report = load_articles(tmp_path)
    assert report.updated == ["site-502-bad-gateway"]
    assert report.errors == ["broken.ru.md: the file must start with a --- header block"]
    site = Article.objects.get(slug="site-502-bad-gateway")
    assert "десять минут" in site.html_ru
    assert site.revisions.count() == 2


def test_an_article_the_actions_refuse_is_reported_and_the_rest_load(
    world: World, tmp_path: Path, in_english: None
) -> None:
    (tmp_path / "huge.ru.md").write_text("---\ntitle: Огромная\n---\n" + "x" * 1_048_576)
    (tmp_path / "small.ru.md").write_text("---\ntitle: Маленькая\ncategory: mail\n---\nТекст\n")
    report = load_articles(tmp_path)
    assert report.created == ["small"]
    assert len(report.errors) == 1 and report.errors[0].startswith("huge: The article is 1.0")


def test_the_demo_articles_load_without_errors(world: World) -> None:
    if not any(DEMO_ARTICLES.glob("*.md")):
        pytest.skip("the demo's articles are not written yet")
    report = load_articles()
    assert report.errors == []
    assert len(report.created) >= 30
