"""The knowledge base's full-text index (kb/search.py), filled with existing articles."""

from typing import Any

from django.db import migrations

from zayavka.kb.render import plain_text
from zayavka.kb.search import ARTICLES


def create(apps: Any, schema_editor: Any) -> None:
    ARTICLES.create(schema_editor)
    Article = apps.get_model("kb", "Article")
    ARTICLES.update_many(
        (
            a.pk,
            {
                "title": f"{a.title_ru}\n{a.title_en}",
                "tags": a.tags,
                "body": f"{plain_text(a.html_ru)}\n{plain_text(a.html_en)}",
            },
        )
        for a in Article.objects.order_by("pk").iterator()
    )


def drop(apps: Any, schema_editor: Any) -> None:
    ARTICLES.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_articles")]

    operations = [migrations.RunPython(create, drop)]
