"""One way to write a moment for people, per language, in the desk and the portal alike:
Russian «06.12.2026 17:08», English "6 Dec 2026, 17:08". Pure: the caller gives the
moment already in the reader's time zone, and the language."""

from __future__ import annotations

from datetime import datetime

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def moment(value: datetime, language: str, *, year: bool = True, zone: bool = False) -> str:
    """``value`` as its reader writes it; ``year=False`` for a near deadline in a dense
    table, ``zone=True`` adds the zone's abbreviation (MSK) where zones may differ."""
    if (language or "ru").startswith("en"):
        day = f"{value.day} {MONTHS_EN[value.month - 1]}"
        text = f"{day} {value.year}, {value:%H:%M}" if year else f"{day}, {value:%H:%M}"
    else:
        text = f"{value:%d.%m.%Y %H:%M}" if year else f"{value:%d.%m %H:%M}"
    if zone and value.tzname():
        text = f"{text} {value.tzname()}"
    return text
