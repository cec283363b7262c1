"""The demo knowledge base and its evaluation set are well-formed files.

Plain file parsing, no models: every article has the header the KB importer reads, the
two language versions of an article agree, and every query of the evaluation set names
articles that exist and that a client may see.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "zayavka" / "kb" / "demo" / "articles"
QUERIES = ROOT / "bench" / "kb_eval" / "queries.jsonl"

NAME = re.compile(r"^(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.(?P<lang>ru|en)\.md$")
CATEGORIES = {"mail", "site", "remote", "1c", "printers", "vpn", "accounts"}
TICKET_CATEGORIES = {"site-down", "mail", "app-error", "remote", "other"}
REQUIRED = {"title", "category", "visibility", "tags"}
KNOWN = REQUIRED | {"ticket_category"}
SHARED = ("category", "ticket_category", "visibility")


@dataclass(frozen=True)
class Article:
    slug: str
    lang: str
    header: dict[str, str]
    body: str


def parse(path: Path) -> Article:
    match = NAME.match(path.name)
    assert match, f"{path.name}: the name must be <slug>.<ru|en>.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "---", f"{path.name}: must start with ---"
    end = lines.index("---", 1)
    header: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        assert sep, f"{path.name}: header line without a colon: {line!r}"
        assert key.strip() not in header, f"{path.name}: {key.strip()} twice"
        header[key.strip()] = value.strip()
    return Article(match["slug"], match["lang"], header, "\n".join(lines[end + 1 :]))


def articles() -> list[Article]:
    return [parse(path) for path in sorted(ARTICLES.iterdir())]


def by_slug() -> dict[str, dict[str, Article]]:
    found: dict[str, dict[str, Article]] = {}
    for article in articles():
        found.setdefault(article.slug, {})[article.lang] = article
    return found


def queries() -> list[dict[str, Any]]:
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_folder_holds_only_article_files() -> None:
    names = [path.name for path in ARTICLES.iterdir()]
    assert names
    assert [name for name in names if not NAME.match(name)] == []


@pytest.mark.parametrize("article", articles(), ids=lambda a: f"{a.slug}.{a.lang}")
def test_every_article_has_a_valid_header_and_a_body(article: Article) -> None:
    header = article.header
    assert header.keys() >= REQUIRED, f"missing {REQUIRED - header.keys()}"
    assert header.keys() <= KNOWN, f"unknown {header.keys() - KNOWN}"
    assert header["title"]
    assert header["category"] in CATEGORIES
    assert header.get("ticket_category", "other") in TICKET_CATEGORIES
    assert header["visibility"] in {"public", "internal"}
    tags = [tag.strip() for tag in header["tags"].split(",")]
    assert all(tags) and len(tags) >= 3
    # The importer cuts a header value at " #" (a comment): none may contain one.
    assert all(" #" not in value for value in header.values())
    assert len(article.body.strip()) > 800
    assert "\n## " in article.body, "an article has sections"


def test_each_article_is_in_russian_and_the_versions_agree() -> None:
    for slug, versions in by_slug().items():
        assert "ru" in versions, f"{slug} has no Russian version"
        if "en" in versions:
            ru, en = versions["ru"].header, versions["en"].header
            for key in SHARED:
                assert ru.get(key) == en.get(key), f"{slug}: {key} differs"
            assert ru["title"] != en["title"], f"{slug}: the English title is untranslated"


def test_the_demo_base_is_big_enough_and_covers_every_category() -> None:
    slugs = by_slug()
    assert len(slugs) >= 36
    assert sum("en" in versions for versions in slugs.values()) >= 30
    categories = {versions["ru"].header["category"] for versions in slugs.values()}
    assert categories == CATEGORIES
    internal = [s for s, v in slugs.items() if v["ru"].header["visibility"] == "internal"]
    assert 3 <= len(internal) <= 4


def test_the_evaluation_set_parses_and_names_public_articles() -> None:
    slugs = by_slug()
    public = {s for s, v in slugs.items() if v["ru"].header["visibility"] == "public"}
    rows = queries()
    seen: set[str] = set()
    for row in rows:
        assert set(row) == {"query", "lang", "relevant"}, row
        query, lang, relevant = row["query"], row["lang"], row["relevant"]
        assert isinstance(query, str) and query.strip(), row
        assert query.strip().lower() not in seen, f"duplicate query {query!r}"
        seen.add(query.strip().lower())
        assert lang in {"ru", "en"}, row
        assert isinstance(relevant, list), row
        assert len(set(relevant)) == len(relevant), row
        unknown = [slug for slug in relevant if slug not in slugs]
        assert unknown == [], f"{query!r} names missing articles {unknown}"
        hidden = [slug for slug in relevant if slug not in public]
        assert hidden == [], f"{query!r} names internal articles {hidden}"


def test_the_evaluation_set_is_big_and_mixed() -> None:
    rows = queries()
    assert len(rows) >= 130
    english = sum(row["lang"] == "en" for row in rows)
    assert 0.2 <= english / len(rows) <= 0.45
    unanswered = sum(not row["relevant"] for row in rows)
    assert unanswered >= 8
    answered = {slug for row in rows for slug in row["relevant"]}
    public = {s for s, v in by_slug().items() if v["ru"].header["visibility"] == "public"}
    assert answered == public, f"articles no query finds: {sorted(public - answered)}"
