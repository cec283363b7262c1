"""Building `WorkCalendar`s: the built-in ones, country production calendars, plain data.

Country holidays come from the ``holidays`` package, one year at a time and cached, so a
calendar covers any year lazily: no fixed range to fall off.

For Russia the package follows the government decrees that move days off (e.g. 2026-01-09,
2026-03-09, 2026-05-11, 2026-12-31 off; Saturday 2027-02-20 a working day). A decree is
published in the autumn of the year before; for a year the package has no decree for, we
apply the standing rule of Labour Code art. 112: a public holiday that falls on a weekend
moves to the next working day (except the 1-8 January holidays, whose weekend days the
decree places, so they cannot be predicted). Pre-holiday shortened days are not modelled:
support hours are contractual, not employees' working time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from zayavka.sla.business_time import (
    DayHours,
    Interval,
    WorkCalendar,
    YearOverlay,
    normalize_hours,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RU_WORKDAYS_9_19 = "ru-workdays-9-19"
ALWAYS_OPEN = "24x7"
BUILTIN_NAMES = (RU_WORKDAYS_9_19, ALWAYS_OPEN)

_NINE_TO_SEVEN: DayHours = ((time(9), time(19)),)
# Fixed non-working public holidays of Russia since 2013 (Labour Code art. 112).
_RU_FIXED = {(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}
_RU_FIXED_SINCE = 2013
_DATA_KEYS = frozenset(
    {
        "timezone",
        "hours",
        "always_open",
        "country",
        "holidays_extra",
        "workdays_extra",
        "workday_hours",
    }
)


class UnknownCalendarError(KeyError):
    """A calendar name that is not built in; the message lists the valid names."""

    def __str__(self) -> str:
        # KeyError.__str__ would print the repr of the whole message, quotes and all.
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class CountryOverlay:
    """Per-year overlay from a country's public holidays and transferred working days.

    Transferred working days (weekend days made working by decree) get ``workday_hours``.
    A value object, so two calendars built from the same data compare equal.
    """

    country: str
    workday_hours: DayHours

    def __call__(self, year: int) -> YearOverlay:
        days_off, workdays = country_year(self.country, year)
        return YearOverlay(days_off, dict.fromkeys(workdays, self.workday_hours))


def russian_production_calendar_holidays(years: Iterable[int]) -> set[date]:
    """Non-working dates of the Russian production calendar other than plain weekends.

    Public holidays (including those on a weekend), days off moved by decree, and days off
    that art. 112 moves for years the installed ``holidays`` package has no decree for.
    """
    return {day for year in years for day in country_year("RU", year)[0]}


def russian_transferred_workdays(years: Iterable[int]) -> set[date]:
    """Weekend dates that the Russian production calendar makes working days."""
    return {day for year in years for day in country_year("RU", year)[1]}


@functools.lru_cache(maxsize=256)
def country_year(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(non-working dates, weekend dates made working) of ``country`` for ``year``.

    Raises NotImplementedError (from ``holidays``) for a country it does not know.
    """
    import holidays  # heavy (~0.3 s): loaded on the first deadline, not at every start-up

    calendar = holidays.country_holidays(country, years=year)
    days_off = {day for day in calendar if day.year == year}
    workdays = {day for day in calendar.weekend_workdays if day.year == year}
    if country.upper() in {"RU", "RUS"} and not _ru_decree_known(days_off, year):
        days_off |= _ru_article_112_moves(days_off, year)
    return frozenset(days_off), frozenset(workdays)


def _ru_decree_known(days_off: set[date], year: int) -> bool:
    # Eight January holidays always include weekend days, which every decree moves to some
    # weekday; so a year with no day off outside the fixed list has no decree in the package.
    if year < _RU_FIXED_SINCE:
        return True
    return any((day.month, day.day) not in _RU_FIXED for day in days_off)


def _ru_article_112_moves(days_off: set[date], year: int) -> set[date]:
    moved: set[date] = set()
    for month, day_of_month in sorted(_RU_FIXED):
        holiday = date(year, month, day_of_month)
        if month == 1 or holiday.weekday() < 5:
            continue
        substitute = holiday + timedelta(days=1)
        while substitute.weekday() >= 5 or substitute in days_off or substitute in moved:
            substitute += timedelta(days=1)
        moved.add(substitute)
    return moved


def builtin_calendar(name: str) -> WorkCalendar:
    """The built-in calendar called ``name``; raises UnknownCalendarError (a KeyError).

    * ``ru-workdays-9-19``: Monday-Friday 09:00-19:00 Moscow time on the Russian production
      calendar (holidays, transfers, working Saturdays), any year.
    * ``24x7``: always open; results are given in Moscow time.
    """
    if name not in BUILTIN_NAMES:
        valid = ", ".join(BUILTIN_NAMES)
        raise UnknownCalendarError(f"unknown calendar {name!r}; valid names: {valid}")
    return _builtin(name)


@functools.cache
def _builtin(name: str) -> WorkCalendar:
    if name == ALWAYS_OPEN:
        return WorkCalendar(timezone="Europe/Moscow", always_open=True)
    return WorkCalendar(
        timezone="Europe/Moscow",
        weekly=(_NINE_TO_SEVEN,) * 5 + ((), ()),
        overlay=CountryOverlay("RU", _NINE_TO_SEVEN),
    )


def calendar_from_data(data: Mapping[str, Any]) -> WorkCalendar:
    """Build a calendar from plain JSON-able data (as stored in the database). Example::

        {"timezone": "Europe/Moscow",
         "hours": {"mon": [["09:00", "19:00"]], "sat": [["10:00", "14:00"]]},
         "country": "RU",                       # optional: public holidays and transfers
         "holidays_extra": ["2026-12-30"],      # optional: also closed
         "workdays_extra": ["2026-12-26",       # optional: also open, with workday_hours
                            {"date": "2026-12-27", "hours": [["10:00", "16:00"]]}],
         "workday_hours": [["09:00", "19:00"]], # optional, default: the first weekday's
         "always_open": false}

    Days missing from ``hours`` are closed; "24:00" is accepted as an end. Raises
    ValueError naming the offending key on anything malformed or unknown.
    """
    unknown = sorted(set(data) - _DATA_KEYS)
    if unknown:
        raise ValueError(f"unknown calendar keys {unknown}; known: {sorted(_DATA_KEYS)}")
    zone = data.get("timezone")
    if not isinstance(zone, str) or not zone:
        raise ValueError("calendar 'timezone' must be a zone name such as 'Europe/Moscow'")
    hours = data.get("hours", {})
    if not isinstance(hours, Mapping) or set(hours) - set(WEEKDAYS):
        raise ValueError(f"calendar 'hours' must map some of {WEEKDAYS} to intervals")
    weekly = tuple(_parse_hours(hours.get(name, []), f"hours.{name}") for name in WEEKDAYS)
    if "workday_hours" in data:
        workday_hours = _parse_hours(data["workday_hours"], "workday_hours")
    else:
        workday_hours = next((day for day in weekly if day), _NINE_TO_SEVEN)
    extra: dict[date, DayHours] = {}
    for item in _list(data, "workdays_extra"):
        if isinstance(item, Mapping):
            day = _parse_date(item.get("date"), "workdays_extra")
            extra[day] = _parse_hours(item.get("hours", []), f"workdays_extra.{day}")
        else:
            extra[_parse_date(item, "workdays_extra")] = workday_hours
    country = data.get("country")
    if country is not None:
        if not isinstance(country, str) or country.upper() not in _supported_countries():
            raise ValueError(f"calendar 'country': {country!r} is not a supported country code")
        country = country.upper()
    try:
        return WorkCalendar(
            timezone=zone,
            weekly=weekly,
            holidays=frozenset(
                _parse_date(item, "holidays_extra") for item in _list(data, "holidays_extra")
            ),
            extra_workdays=extra,
            always_open=bool(data.get("always_open", False)),
            overlay=CountryOverlay(country, workday_hours) if country else None,
        )
    except KeyError as error:  # ZoneInfoNotFoundError
        raise ValueError(f"calendar 'timezone': unknown zone {zone!r}") from error


def _list(data: Mapping[str, Any], key: str) -> list[Any] | tuple[Any, ...]:
    value = data.get(key, [])
    if not isinstance(value, list | tuple):
        raise ValueError(f"calendar '{key}' has the wrong shape: it must be a list of dates")
    return value


@functools.cache
def _supported_countries() -> frozenset[str]:
    import holidays

    return frozenset(holidays.list_supported_countries())


def _parse_hours(value: Any, where: str) -> DayHours:
    if not isinstance(value, list | tuple):
        raise ValueError(f"calendar '{where}' must be a list of [start, end] pairs")
    intervals: list[Interval] = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"calendar '{where}': {pair!r} is not a [start, end] pair")
        start, end = _parse_time(pair[0], where), _parse_time(pair[1], where, is_end=True)
        intervals.append((start, end))
    try:
        return normalize_hours(intervals)
    except ValueError as error:
        raise ValueError(f"calendar '{where}': {error}") from error


def _parse_time(value: Any, where: str, *, is_end: bool = False) -> time:
    if is_end and value == "24:00":
        return time(0)  # WorkCalendar reads an end of 00:00 as 24:00
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"calendar '{where}': {value!r} is not a HH:MM time") from error


def _parse_date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"calendar '{where}': {value!r} is not a YYYY-MM-DD date") from error
