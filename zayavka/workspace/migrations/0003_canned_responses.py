"""Canned responses (ready answers with {{ requester_name }} and {{ ticket_number }})."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0002_queue_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CannedResponse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                (
                    "text",
                    models.TextField(
                        help_text="May contain {{ requester_name }} and {{ ticket_number }}.",
                        verbose_name="text",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        choices=[("ru", "Russian"), ("en", "English")],
                        help_text="Offered to agents reading the desk in this language; empty: to all.",
                        max_length=8,
                        verbose_name="language",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
            ],
            options={
                "verbose_name": "canned response",
                "verbose_name_plural": "canned responses",
                "ordering": ["position", "title", "pk"],
            },
        ),
    ]
