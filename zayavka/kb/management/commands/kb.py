"""`zayavka kb search [--json]`, `zayavka kb import [DIR]`, `zayavka kb reindex`."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zayavka.kb.actions.importing import DEMO_ARTICLES, load_articles
from zayavka.kb.models import Article
from zayavka.kb.search import reindex_all, search_articles

TOP = 5
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


class Command(BaseCommand):
    help = (
        "The knowledge base: `kb search [--json]` answers queries read from standard "
        "input, one a line; `kb import [DIR]` loads articles from Markdown files; "
        "`kb reindex` rebuilds the search index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        searching = sub.add_parser(
            "search", help="the top public articles for each line of standard input"
        )
        searching.add_argument(
            "--json",
            action="store_true",
            help='one line each: {"query": q, "articles": [{"slug", "title", "score"}]}',
        )
        loading = sub.add_parser(
            "import", help="create or update articles from <slug>.<ru|en>.md files"
        )
        loading.add_argument("directory", nargs="?", default=str(DEMO_ARTICLES))
        loading.add_argument("--draft", action="store_true", help="leave new articles as drafts")
        sub.add_parser("reindex", help="index every article again")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "search":
            self._search(as_json=options["json"])
        elif options["action"] == "import":
            self._import(Path(options["directory"]), publish=not options["draft"])
        else:
            self.stdout.write(json.dumps({"indexed": reindex_all()}))

    def _search(self, *, as_json: bool) -> None:
        public = Article.objects.public()
        for line in sys.stdin:
            query = line.rstrip("\r\n")
            language = "ru" if _CYRILLIC.search(query) else "en"
            hits = search_articles(query, public, limit=TOP) if query.strip() else []
            articles = [
                {
                    "slug": hit.article.slug,
                    "title": hit.article.title_in(language),
                    "score": round(hit.score, 4),
                }
                for hit in hits
            ]
            if as_json:
                self.stdout.write(
                    json.dumps({"query": query, "articles": articles}, ensure_ascii=False)
                )
            else:
                self.stdout.write(query)
                for n, found in enumerate(articles, start=1):
                    self.stdout.write(f"  {n}. {found['slug']}\t{found['title']}\t{found['score']}")
            self.stdout.flush()

    def _import(self, directory: Path, *, publish: bool) -> None:
        report = load_articles(directory, publish=publish)
        self.stdout.write(
            json.dumps(
                {
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "unchanged": len(report.unchanged),
                    "errors": report.errors,
                },
                ensure_ascii=False,
            )
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} file(s) or article(s) were not loaded")
