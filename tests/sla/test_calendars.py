"""Calendars: the Russian production calendar, the built-in calendars, calendars from data."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from zayavka.sla.business_time import WorkCalendar, add_business_minutes, day_hours, is_open
from zayavka.sla.calendars import (
    BUILTIN_NAMES,
    CountryOverlay,
    UnknownCalendarError,
    builtin_calendar,
    calendar_from_data,
    country_year,
    russian_production_calendar_holidays,
    russian_transferred_workdays,
)

MSK = ZoneInfo("Europe/Moscow")
NINE_TO_SEVEN = ((time(9), time(19)),)


# --- the Russian production calendar --------------------------------------------------------


def test_2026_days_off_moved_by_decree_and_by_weekend_holidays_are_included():
    days_off = russian_production_calendar_holidays([2026])
    for day in (date(2026, 1, 9), date(2026, 3, 9), date(2026, 5, 11), date(2026, 12, 31)):
        assert day in days_off
    assert {date(2026, 1, d) for d in range(1, 9)} <= days_off
    assert {date(2026, 2, 23), date(2026, 6, 12), date(2026, 11, 4)} <= days_off
    assert date(2026, 11, 23) not in days_off


def test_weekend_days_made_working_by_decree():
    workdays = russian_transferred_workdays(range(2024, 2028))
    assert workdays == {
        date(2024, 4, 27),
        date(2024, 11, 2),
        date(2024, 12, 28),
        date(2025, 11, 1),
        date(2027, 2, 20),
    }
    assert russian_transferred_workdays([2026]) == set()


def test_a_year_without_a_decree_follows_article_112():
    # The package has no decree for 2028/2029 yet; weekend holidays move to the next weekday.
    days_off = russian_production_calendar_holidays([2028, 2029])
    assert date(2028, 11, 6) in days_off  # 4 November 2028 is a Saturday
    assert date(2029, 11, 5) in days_off  # 4 November 2029 is a Sunday
    # January weekend days are placed by the decree, so nothing is guessed for them.
    assert {d for d in days_off if d.month == 1} == {date(2028, 1, d) for d in range(1, 9)} | {
        date(2029, 1, d) for d in range(1, 9)
    }


def test_years_with_a_decree_are_not_shifted_twice():
    # 9 May 2026 is a Saturday: the decree gives Monday 11 May, and Tuesday stays working.
    days_off = russian_production_calendar_holidays([2026, 2027])
    assert date(2026, 5, 12) not in days_off
    assert date(2027, 6, 14) in days_off
    assert date(2027, 6, 15) not in days_off


def test_country_year_is_cached_and_works_for_other_countries():
    assert country_year("RU", 2026) is country_year("RU", 2026)
    days_off, _ = country_year("DE", 2026)
    assert date(2026, 12, 25) in days_off


# --- built-in calendars ---------------------------------------------------------------------


def test_builtin_names():
    assert BUILTIN_NAMES == ("ru-workdays-9-19", "24x7")
    for name in BUILTIN_NAMES:
        assert builtin_calendar(name) is builtin_calendar(name)
        hash(builtin_calendar(name))


def test_an_unknown_calendar_name_lists_the_valid_ones():
    with pytest.raises(UnknownCalendarError) as raised:
        builtin_calendar("ru-workdays-9-18")
    assert isinstance(raised.value, KeyError)
    assert str(raised.value) == (
        "unknown calendar 'ru-workdays-9-18'; valid names: ru-workdays-9-19, 24x7"
    )


def test_the_russian_calendar_covers_any_year_lazily():
    cal = builtin_calendar("ru-workdays-9-19")
    assert cal.timezone == "Europe/Moscow"
    assert day_hours(cal, date(2035, 1, 3)) == ()
    assert day_hours(cal, date(2019, 5, 2)) == ()
    assert day_hours(cal, date(2026, 11, 23)) == NINE_TO_SEVEN
    assert day_hours(cal, date(2025, 11, 1)) == NINE_TO_SEVEN  # a working Saturday
    start = datetime(2034, 12, 29, 18, 0, tzinfo=MSK)  # Friday before the 2035 holidays
    assert add_business_minutes(cal, start, 120) == datetime(2035, 1, 9, 10, 0, tzinfo=MSK)


def test_the_24x7_calendar_is_always_open():
    cal = builtin_calendar("24x7")
    assert cal.always_open
    assert is_open(cal, datetime(2027, 1, 1, 3, 0, tzinfo=MSK))


# --- calendars from stored data -------------------------------------------------------------


def test_a_calendar_from_data_equals_the_builtin_one():
    data = {
        "timezone": "Europe/Moscow",
        "hours": {day: [["09:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        "country": "ru",
    }
    assert calendar_from_data(data) == builtin_calendar("ru-workdays-9-19")


def test_a_calendar_from_data_with_every_option():
    cal = calendar_from_data(
        {
            "timezone": "Asia/Yekaterinburg",
            "hours": {"mon": [["13:00", "18:00"], ["08:00", "12:00"]], "sun": [["20:00", "24:00"]]},
            "country": "RU",
            "holidays_extra": ["2026-11-30"],
            "workdays_extra": ["2026-11-28", {"date": "2026-11-29", "hours": [["10:00", "11:00"]]}],
        }
    )
    assert cal.weekly[0] == ((time(8), time(12)), (time(13), time(18)))
    assert cal.weekly[6] == ((time(20), time(0)),)
    assert cal.weekly[1] == ()
    assert day_hours(cal, date(2026, 11, 30)) == ()
    # An extra day without hours gets the first weekday's hours.
    assert day_hours(cal, date(2026, 11, 28)) == cal.weekly[0]
    assert day_hours(cal, date(2026, 11, 29)) == ((time(10), time(11)),)
    assert day_hours(cal, date(2026, 1, 5)) == ()  # a Monday in the New Year holidays
    assert isinstance(cal.overlay, CountryOverlay)
    assert cal.overlay.workday_hours == cal.weekly[0]


def test_workday_hours_for_transferred_days_can_be_given():
    cal = calendar_from_data(
        {
            "timezone": "Europe/Moscow",
            "hours": {"mon": [["09:00", "19:00"]]},
            "country": "RU",
            "workday_hours": [["10:00", "15:00"]],
        }
    )
    assert day_hours(cal, date(2027, 2, 20)) == ((time(10), time(15)),)


def test_an_always_open_calendar_from_data():
    cal = calendar_from_data({"timezone": "UTC", "always_open": True})
    assert cal == WorkCalendar("UTC", always_open=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hours": {}}, "timezone"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"timezone": "UTC", "hours": {"monday": []}}, "hours"),
        ({"timezone": "UTC", "hours": {"mon": [["9am", "19:00"]]}}, "hours.mon"),
        ({"timezone": "UTC", "hours": {"mon": [["09:00"]]}}, "hours.mon"),
        ({"timezone": "UTC", "hours": {"mon": "09:00-19:00"}}, "hours.mon"),
        ({"timezone": "UTC", "hours": {"mon": [["24:00", "10:00"]]}}, "hours.mon"),
        ({"timezone": "UTC", "hours": {"mon": [["19:00", "09:00"]]}}, "empty"),
        ({"timezone": "UTC", "country": "XX"}, "country"),
        ({"timezone": "UTC", "holidays_extra": ["31.12.2026"]}, "holidays_extra"),
        ({"timezone": "UTC", "workdays_extra": [{"hours": []}]}, "workdays_extra"),
        ({"timezone": "UTC", "holidays": []}, "unknown calendar keys"),
        (
            {"timezone": "UTC", "holidays_extra": ["2026-01-01"], "workdays_extra": ["2026-01-01"]},
            "both",
        ),
    ],
)
def test_malformed_calendar_data_is_refused_with_the_key_named(data, message):
    with pytest.raises(ValueError, match=message):
        calendar_from_data(data)


def test_list_fields_that_are_not_lists_are_a_clear_value_error() -> None:
    import pytest

    from zayavka.sla.calendars import calendar_from_data

    for key in ("holidays_extra", "workdays_extra"):
        with pytest.raises(ValueError, match=key):
            calendar_from_data({"timezone": "Europe/Moscow", key: 5})
