"""`{{ value|when }}`: a moment in the reader's time zone and language (core/dates.py),
the same in the desk and the portal. `{{ value|when:"zone" }}` adds the zone's name."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone, translation

from zayavka.core import dates

register = template.Library()


@register.filter
def when(value: datetime | None, arg: str = "") -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return dates.moment(local, translation.get_language() or "", zone=arg == "zone")
