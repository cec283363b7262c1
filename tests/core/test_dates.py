"""One way to write a moment per language, for the desk and the portal alike."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from zayavka.core.dates import moment

EVENING = datetime(2026, 12, 6, 17, 8, tzinfo=ZoneInfo("Europe/Moscow"))
MORNING = datetime(2027, 1, 2, 9, 5, tzinfo=ZoneInfo("Europe/Moscow"))


def test_russian_reads_day_month_year_and_24_hours() -> None:
    assert moment(EVENING, "ru") == "06.12.2026 17:08"
    assert moment(MORNING, "ru", year=False) == "02.01 09:05"
    assert moment(EVENING, "ru", zone=True) == "06.12.2026 17:08 MSK"


def test_english_names_the_month_so_no_one_reads_it_as_june() -> None:
    assert moment(EVENING, "en") == "6 Dec 2026, 17:08"
    assert moment(MORNING, "en-gb", year=False) == "2 Jan, 09:05"
    assert moment(EVENING, "en", zone=True) == "6 Dec 2026, 17:08 MSK"


def test_an_unknown_language_reads_as_the_sites_russian() -> None:
    assert moment(EVENING, "") == moment(EVENING, "ru")
