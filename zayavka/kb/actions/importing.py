"""Articles from Markdown files (`source.parse_article`): the demo's knowledge base,
and any desk's own set kept in a repository. Loading the same files again updates
what changed and keeps a version of it; nothing is deleted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zayavka.accounts.models import User
from zayavka.kb.actions.articles import (
    ArticleText,
    create_article,
    publish_article,
    update_article,
)
from zayavka.kb.models import Article, KbCategory
from zayavka.kb.source import ArticleSource, SourceError, parse_article
from zayavka.tickets.models import Category

DEMO_ARTICLES = Path(__file__).resolve().parents[1] / "demo" / "articles"

#: The knowledge base's sections: slug -> (Russian, English, the desk's ticket category).
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "mail": ("Почта", "Email", "mail"),
    "site": ("Сайты и сертификаты", "Websites and certificates", "site-down"),
    "remote": ("Удалённый доступ", "Remote access", "remote"),
    "1c": ("1С", "1C", "app-error"),
    "printers": ("Принтеры и сканеры", "Printers and scanners", ""),
    "vpn": ("VPN", "VPN", ""),
    "accounts": ("Учётные записи и пароли", "Accounts and passwords", ""),
}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def ensure_categories() -> dict[str, KbCategory]:
    """The standard sections (CATEGORIES), created where missing and linked to the
    desk's ticket category of the same meaning when the desk has it."""
    found = {c.slug: c for c in KbCategory.objects.all()}
    for position, (slug, (ru, en, ticket_slug)) in enumerate(CATEGORIES.items()):
        if slug in found:
            continue
        found[slug] = KbCategory.objects.create(
            slug=slug,
            name_ru=ru,
            name_en=en,
            position=position,
            ticket_category=Category.objects.filter(slug=ticket_slug).first()
            if ticket_slug
            else None,
        )
    return found


def read_directory(directory: Path) -> tuple[dict[str, list[ArticleSource]], list[str]]:
    """The article files of a directory, grouped by slug; and the files it could not read."""
    grouped: dict[str, list[ArticleSource]] = defaultdict(list)
    errors: list[str] = []
    for path in sorted(directory.glob("*.md")):
        try:
            source = parse_article(path.name, path.read_text(encoding="utf-8"))
        except (SourceError, UnicodeDecodeError) as exc:
            errors.append(str(exc) if isinstance(exc, SourceError) else f"{path.name}: {exc}")
            continue
        grouped[source.slug].append(source)
    return dict(grouped), errors


def load_articles(
    directory: Path = DEMO_ARTICLES, *, by: User | None = None, publish: bool = True
) -> ImportReport:
    """Create or update one article per slug from `<slug>.ru.md` / `<slug>.en.md`. A
    file that cannot be read, or an article the actions refuse, is reported and skipped;
    the others load."""
    report = ImportReport()
    if not directory.is_dir():
        report.errors.append(f"{directory}: no such directory")
        return report
    grouped, report.errors = read_directory(directory)
    categories = ensure_categories()
    for slug, sources in sorted(grouped.items()):
        try:
            with transaction.atomic():
                _load_one(slug, sources, categories, by=by, publish=publish, report=report)
        except ValidationError as exc:  # one bad article must not stop the rest
            report.errors.append(f"{slug}: {_message(exc)}")
    return report


def _message(exc: ValidationError) -> str:
    return "; ".join(str(m) for m in exc.messages)


def _load_one(
    slug: str,
    sources: list[ArticleSource],
    categories: dict[str, KbCategory],
    *,
    by: User | None,
    publish: bool,
    report: ImportReport,
) -> None:
    by_lang = {s.language: s for s in sources}
    first = by_lang.get("ru") or by_lang["en"]
    category = _category(first, categories)
    tags: list[str] = []
    for source in sources:
        tags += [t for t in source.tags if t not in tags]
    text = ArticleText(
        title_ru=by_lang["ru"].title if "ru" in by_lang else "",
        body_ru=by_lang["ru"].body if "ru" in by_lang else "",
        title_en=by_lang["en"].title if "en" in by_lang else "",
        body_en=by_lang["en"].body if "en" in by_lang else "",
        category=category,
        visibility=first.visibility,
        tags=", ".join(tags),
        slug=slug,
    )
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        create_article(text, by=by, publish=publish, note=_("Loaded from files"))
        report.created.append(slug)
        return
    changed = update_article(article, text, by=by, note=_("Loaded from files"))
    if publish:
        changed = publish_article(article, by=by) or changed
    (report.updated if changed else report.unchanged).append(slug)


def _category(source: ArticleSource, categories: dict[str, KbCategory]) -> KbCategory | None:
    if not source.category:
        return None
    category = categories.get(source.category)
    if category is None:
        category = KbCategory.objects.create(
            slug=source.category[:64],
            name_ru=source.category,
            name_en=source.category,
            position=len(categories),
        )
        categories[source.category] = category
    if category.ticket_category_id is None and source.ticket_category:
        linked = Category.objects.filter(slug=source.ticket_category).first()
        if linked is not None:
            category.ticket_category = linked
            category.save(update_fields=["ticket_category"])
    return category
