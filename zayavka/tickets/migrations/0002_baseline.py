"""The vocabulary every desk needs before its first ticket: statuses and priorities."""

from django.db import migrations

STATUSES = [
    # slug, category, Russian, English, default for its category
    ("new", "new", "Новая", "New", True),
    ("open", "open", "В работе", "In progress", True),
    ("reopened", "open", "Возобновлена", "Reopened", False),
    ("pending", "pending", "Ожидает ответа заявителя", "Waiting for requester", True),
    ("resolved", "resolved", "Решена", "Resolved", True),
    ("closed", "closed", "Закрыта", "Closed", True),
]

PRIORITIES = [
    ("low", 10, "Низкий", "Low", "#6b7280", False),
    ("normal", 20, "Обычный", "Normal", "#2563eb", True),
    ("high", 30, "Высокий", "High", "#d97706", False),
    ("urgent", 40, "Срочный", "Urgent", "#dc2626", False),
]


def create(apps, schema_editor):
    Status = apps.get_model("tickets", "Status")
    Priority = apps.get_model("tickets", "Priority")
    for position, (slug, category, ru, en, default) in enumerate(STATUSES):
        Status.objects.get_or_create(
            slug=slug,
            defaults={
                "category": category,
                "name_ru": ru,
                "name_en": en,
                "is_default": default,
                "position": position,
            },
        )
    for slug, rank, ru, en, color, default in PRIORITIES:
        Priority.objects.get_or_create(
            slug=slug,
            defaults={
                "rank": rank,
                "name_ru": ru,
                "name_en": en,
                "color": color,
                "is_default": default,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
