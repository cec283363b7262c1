"""`zayavka kb import DIR`: load articles from Markdown files (see kb/source.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zayavka.kb.actions.importing import DEMO_ARTICLES, load_articles


class Command(BaseCommand):
    help = "The knowledge base: `kb import [DIR]` loads articles from Markdown files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        loading = sub.add_parser(
            "import", help="create or update articles from <slug>.<ru|en>.md files"
        )
        loading.add_argument("directory", nargs="?", default=str(DEMO_ARTICLES))
        loading.add_argument("--draft", action="store_true", help="leave new articles as drafts")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(Path(options["directory"]), publish=not options["draft"])

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
