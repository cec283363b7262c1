"""Choices get their labels per language: a choice written «отправка / sending» (both
languages in one text, as the demo had them) becomes {"value": "sending", "ru":
"отправка", "en": "sending"}. Answers kept in tickets stay as they are: the field reads
the old joined text as its value (CategoryField.value_of)."""

import re

from django.db import migrations, models


def _value(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or text


def split_labels(apps, schema_editor):
    CategoryField = apps.get_model("tickets", "CategoryField")
    for field in CategoryField.objects.filter(kind="choice"):
        changed = []
        for choice in field.choices or []:
            if isinstance(choice, str) and " / " in choice:
                ru, _, en = choice.partition(" / ")
                choice = {"value": _value(en.strip()), "ru": ru.strip(), "en": en.strip()}
            changed.append(choice)
        if changed != field.choices:
            field.choices = changed
            field.save(update_fields=["choices"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_attachment_released_event"),
    ]

    operations = [
        migrations.AlterField(
            model_name="categoryfield",
            name="choices",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='The offered answers, each with its labels: [{"value": "sending", '
                '"ru": "отправка", "en": "sending"}, …]. The value is what the ticket keeps.',
                verbose_name="choices",
            ),
        ),
        migrations.RunPython(split_labels, migrations.RunPython.noop),
    ]
