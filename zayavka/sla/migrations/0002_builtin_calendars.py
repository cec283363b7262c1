"""Calendars that work with no configuration (R22)."""

from django.db import migrations

WEEKDAYS = {day: [["09:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def create(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    Calendar.objects.get_or_create(
        name="ru-workdays-9-19",
        defaults={
            "title": "Пн–Пт 9:00–19:00 МСК, производственный календарь РФ",
            "timezone": "Europe/Moscow",
            "hours": WEEKDAYS,
            "country": "RU",
        },
    )
    Calendar.objects.get_or_create(
        name="24x7",
        defaults={
            "title": "Круглосуточно / 24x7",
            "timezone": "Europe/Moscow",
            "is_24x7": True,
            "hours": {},
            "country": "",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
