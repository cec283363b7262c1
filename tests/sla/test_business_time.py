"""Business-time arithmetic: fixed cases a support manager can check on a calendar page,
DST nights, and properties over random instants and durations."""

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zayavka.sla.business_time import (
    WorkCalendar,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    day_hours,
    is_open,
    next_open,
)
from zayavka.sla.calendars import CountryOverlay, builtin_calendar

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
RU = builtin_calendar("ru-workdays-9-19")
ALWAYS = builtin_calendar("24x7")


def hours(*spans: str) -> tuple[tuple[time, time], ...]:
    """hours("09:00-13:00", "14:00-24:00") -> intervals; 24:00 is written as time(0)."""
    result = []
    for span in spans:
        start, end = span.split("-")
        result.append(
            (time.fromisoformat(start), time(0) if end == "24:00" else time.fromisoformat(end))
        )
    return tuple(result)


def week(mon=(), tue=(), wed=(), thu=(), fri=(), sat=(), sun=()):
    return (mon, tue, wed, thu, fri, sat, sun)


def msk(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=MSK)


def utc(moment: datetime) -> datetime:
    """Compare instants in UTC: Python compares same-zone datetimes by wall time, ignoring
    fold, and never finds an ambiguous local time equal to another zone's datetime."""
    return moment.astimezone(UTC)


# Sundays are whole working days: DST changes in Europe happen on Sunday nights.
BERLIN_SUNDAYS = WorkCalendar("Europe/Berlin", week(sun=hours("00:00-24:00")))
# Wall-clock boundaries inside the spring gap and the autumn fold (02:00-03:00 in Berlin).
BERLIN_NIGHT = WorkCalendar("Europe/Berlin", week(sun=hours("00:00-02:30", "02:30-04:00")))
BERLIN_LATE_NIGHT = WorkCalendar("Europe/Berlin", week(sun=hours("02:30-04:00")))
# A Saturday-to-Sunday night shift crossing the US change at 02:00 on Sunday.
NEW_YORK_NIGHT = WorkCalendar(
    "America/New_York",
    (*[hours("09:00-17:00")] * 5, hours("20:00-24:00"), hours("00:00-04:00")),
    holidays=frozenset({date(2026, 7, 3)}),
    extra_workdays={date(2026, 7, 11): hours("10:00-12:00")},
)
# Odd hours in a zone without DST: split days, a night shift to 24:00, a short Saturday.
MOSCOW_ODD = WorkCalendar(
    "Europe/Moscow",
    week(
        mon=hours("09:00-13:00", "14:00-18:00"),
        wed=hours("22:00-24:00"),
        thu=hours("00:00-02:00", "02:00-03:15"),
        sat=hours("10:00-11:30"),
    ),
    holidays=frozenset({date(2026, 11, 23)}),
    extra_workdays={date(2026, 11, 24): hours("12:00-12:45")},
)
# A calendar whose interval boundaries avoid the DST hour, for the minute-by-minute oracle.
NEW_YORK_WIDE = WorkCalendar(
    "America/New_York",
    (*[hours("08:00-12:00", "12:30-18:00")] * 5, (), hours("00:00-05:00", "22:00-24:00")),
)
CALENDARS = [
    RU,
    ALWAYS,
    BERLIN_SUNDAYS,
    BERLIN_NIGHT,
    BERLIN_LATE_NIGHT,
    NEW_YORK_NIGHT,
    MOSCOW_ODD,
    NEW_YORK_WIDE,
]


# --- the desk's own calendar (ru-workdays-9-19) ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # From the issue: Friday evening rolls over the weekend.
        (msk(2026, 11, 20, 18, 30), 120, msk(2026, 11, 23, 10, 30)),
        # From the issue: 31 December and the New Year holidays up to 10 January are off.
        (msk(2026, 12, 30, 18, 0), 120, msk(2027, 1, 11, 10, 0)),
        (msk(2026, 11, 23, 9, 0), 0, msk(2026, 11, 23, 9, 0)),
        (msk(2026, 11, 23, 8, 0), 0, msk(2026, 11, 23, 9, 0)),
        (msk(2026, 11, 23, 0, 0), 0, msk(2026, 11, 23, 9, 0)),
        (msk(2026, 11, 23, 19, 0), 0, msk(2026, 11, 24, 9, 0)),
        (msk(2026, 11, 21, 12, 0), 0, msk(2026, 11, 23, 9, 0)),
        (msk(2026, 11, 21, 12, 0), 1, msk(2026, 11, 23, 9, 1)),
        # Running out exactly at closing time is a deadline at closing time.
        (msk(2026, 11, 23, 18, 0), 60, msk(2026, 11, 23, 19, 0)),
        (msk(2026, 11, 23, 18, 0), 61, msk(2026, 11, 24, 9, 1)),
        (msk(2026, 11, 23, 9, 0), 600, msk(2026, 11, 23, 19, 0)),
        (msk(2026, 11, 23, 9, 0), 5 * 600, msk(2026, 11, 27, 19, 0)),
        (msk(2026, 11, 23, 9, 0), 5 * 600 + 1, msk(2026, 11, 30, 9, 1)),
        # Unity Day on a Wednesday.
        (msk(2026, 11, 3, 18, 0), 120, msk(2026, 11, 5, 10, 0)),
        # 8 March is a Sunday in 2026, so Monday 9 March is off.
        (msk(2026, 3, 6, 18, 0), 120, msk(2026, 3, 10, 10, 0)),
        # 9 May is a Saturday in 2026, so Monday 11 May is off.
        (msk(2026, 5, 8, 18, 0), 61, msk(2026, 5, 12, 9, 1)),
        # 9 January 2026 is off by decree (moved from 3 January).
        (msk(2026, 1, 8, 12, 0), 0, msk(2026, 1, 12, 9, 0)),
        # Saturday 20 February 2027 is a working day; 22 and 23 February are off.
        (msk(2027, 2, 19, 18, 30), 60, msk(2027, 2, 20, 9, 30)),
        (msk(2027, 2, 20, 18, 30), 60, msk(2027, 2, 24, 9, 30)),
        (msk(2025, 11, 1, 10, 0), 0, msk(2025, 11, 1, 10, 0)),
        # 2028 has no decree yet: Unity Day on Saturday moves to Monday 6 November.
        (msk(2028, 11, 3, 18, 0), 120, msk(2028, 11, 7, 10, 0)),
    ],
)
def test_deadlines_on_the_russian_working_calendar(start, minutes, expected):
    deadline = add_business_minutes(RU, start, minutes)
    assert deadline == expected
    assert deadline.tzinfo == MSK


def test_a_deadline_is_given_in_moscow_time_whatever_zone_the_ticket_came_in():
    deadline = add_business_minutes(RU, datetime(2026, 11, 20, 15, 30, tzinfo=UTC), 120)
    assert deadline.isoformat() == "2026-11-23T10:30:00+03:00"


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        (msk(2026, 11, 20, 18, 30), msk(2026, 11, 23, 10, 30), 120),
        (msk(2026, 12, 30, 18, 0), msk(2027, 1, 11, 10, 0), 120),
        (msk(2026, 11, 23, 0, 0), msk(2026, 11, 30, 0, 0), 3000),
        (msk(2026, 11, 23, 10, 0), msk(2026, 11, 23, 10, 0), 0),
        (msk(2026, 11, 23, 12, 0), msk(2026, 11, 23, 10, 0), 0),
        (msk(2026, 12, 31, 0, 0), msk(2027, 1, 11, 0, 0), 0),
        (msk(2026, 11, 23, 9, 0, 0), msk(2026, 11, 23, 9, 0, 59), 0),
        # Official totals of the production calendar: 248, 247 and 247 working days.
        (msk(2024, 1, 1), msk(2025, 1, 1), 248 * 600),
        (msk(2025, 1, 1), msk(2026, 1, 1), 247 * 600),
        (msk(2026, 1, 1), msk(2027, 1, 1), 247 * 600),
    ],
)
def test_business_minutes_between_on_the_russian_calendar(a, b, minutes):
    assert business_minutes_between(RU, a, b) == minutes


def test_partial_minutes_are_kept_exactly_by_business_time_between():
    a, b = msk(2026, 11, 23, 9, 0, 0), msk(2026, 11, 23, 9, 0, 59, 500)
    assert business_time_between(RU, a, b) == timedelta(seconds=59, microseconds=500)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (msk(2026, 11, 23, 9, 0), True),
        (msk(2026, 11, 23, 18, 59, 59), True),
        (msk(2026, 11, 23, 19, 0), False),
        (msk(2026, 11, 23, 8, 59, 59), False),
        (msk(2026, 11, 21, 12, 0), False),
        (msk(2026, 12, 31, 12, 0), False),
        (msk(2027, 2, 20, 12, 0), True),
        (datetime(2026, 11, 23, 6, 0, tzinfo=UTC), True),
    ],
)
def test_is_open_on_the_russian_calendar(instant, expected):
    assert is_open(RU, instant) is expected


def test_next_open_is_the_instant_itself_when_open_and_the_next_morning_otherwise():
    assert next_open(RU, datetime(2026, 11, 23, 7, 0, tzinfo=UTC)) == msk(2026, 11, 23, 10, 0)
    assert next_open(RU, msk(2026, 11, 21, 12, 0)) == msk(2026, 11, 23, 9, 0)
    assert next_open(RU, msk(2026, 12, 31, 12, 0)) == msk(2027, 1, 11, 9, 0)


def test_one_hundred_thousand_minutes_take_milliseconds():
    began = clock.perf_counter()
    deadline = add_business_minutes(RU, msk(2026, 11, 23, 10, 0), 100_000)
    far = add_business_minutes(RU, msk(2026, 11, 23, 10, 0), 1_000_000)
    elapsed = clock.perf_counter() - began
    assert business_minutes_between(RU, msk(2026, 11, 23, 10, 0), deadline) == 100_000
    assert far > deadline
    assert elapsed < 1.0


# --- 24/7 and other calendars ---------------------------------------------------------------


def test_a_24x7_contract_counts_every_real_minute_even_on_holidays():
    start = msk(2026, 12, 31, 23, 30)
    assert add_business_minutes(ALWAYS, start, 100) == msk(2027, 1, 1, 1, 10)
    assert business_minutes_between(ALWAYS, start, msk(2027, 1, 1, 1, 10)) == 100
    assert is_open(ALWAYS, start)
    assert next_open(ALWAYS, start) == start


def test_a_24x7_calendar_adds_real_time_across_a_dst_change():
    cal = WorkCalendar("Europe/Berlin", always_open=True)
    start = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    assert add_business_minutes(cal, start, 60) == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)


def test_split_days_night_shifts_extra_days_and_holidays():
    cal = MOSCOW_ODD
    # Monday 23 November is a holiday here; Tuesday is an extra short working day.
    assert add_business_minutes(cal, msk(2026, 11, 23, 8, 0), 0) == msk(2026, 11, 24, 12, 0)
    assert add_business_minutes(cal, msk(2026, 11, 24, 12, 30), 15) == msk(2026, 11, 24, 12, 45)
    assert add_business_minutes(cal, msk(2026, 11, 24, 12, 30), 16) == msk(2026, 11, 25, 22, 1)
    # The Wednesday night shift runs to midnight and carries on into Thursday.
    assert add_business_minutes(cal, msk(2026, 11, 25, 23, 0), 60) == msk(2026, 11, 26, 0, 0)
    assert add_business_minutes(cal, msk(2026, 11, 25, 23, 0), 61) == msk(2026, 11, 26, 0, 1)
    assert add_business_minutes(cal, msk(2026, 11, 26, 1, 0), 135) == msk(2026, 11, 26, 3, 15)
    assert is_open(cal, msk(2026, 11, 25, 23, 59, 59))
    assert is_open(cal, msk(2026, 11, 26, 2, 0))
    assert not is_open(cal, msk(2026, 11, 26, 3, 15))
    # The lunch break of a normal Monday is not business time.
    assert add_business_minutes(cal, msk(2026, 11, 30, 12, 30), 60) == msk(2026, 11, 30, 14, 30)
    assert business_minutes_between(cal, msk(2026, 11, 30, 0), msk(2026, 12, 1, 0)) == 480


# --- DST ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sunday", "minutes"),
    [(date(2026, 3, 29), 23 * 60), (date(2026, 10, 25), 25 * 60), (date(2026, 11, 1), 24 * 60)],
)
def test_a_whole_sunday_in_berlin_lasts_as_long_as_the_clocks_say(sunday, minutes):
    start = datetime.combine(sunday, time(0), tzinfo=BERLIN)
    end = datetime.combine(sunday + timedelta(days=1), time(0), tzinfo=BERLIN)
    assert business_minutes_between(BERLIN_SUNDAYS, start, end) == minutes
    assert add_business_minutes(BERLIN_SUNDAYS, start, minutes) == end


def test_moscow_has_no_dst():
    cal = WorkCalendar("Europe/Moscow", week(sun=hours("00:00-24:00")))
    assert business_minutes_between(cal, msk(2026, 3, 29), msk(2026, 3, 30)) == 1440
    assert business_minutes_between(cal, msk(2026, 10, 25), msk(2026, 10, 26)) == 1440


def test_an_interval_crossing_the_spring_change_is_an_hour_shorter():
    start = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    assert add_business_minutes(BERLIN_SUNDAYS, start, 60) == datetime(
        2026, 3, 29, 3, 30, tzinfo=BERLIN
    )


def test_wall_times_in_the_spring_gap_mean_the_moment_the_clocks_jump():
    # 02:30-04:00 on the night 02:00 becomes 03:00: the desk opens at 03:00 for an hour.
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    opening = next_open(BERLIN_LATE_NIGHT, saturday)
    assert opening.isoformat() == "2026-03-29T03:00:00+02:00"
    sunday = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    monday = datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)
    assert business_minutes_between(BERLIN_LATE_NIGHT, sunday, monday) == 60
    # 00:00-02:30 ends at the jump too, so the two intervals meet: 3 hours in all.
    assert business_minutes_between(BERLIN_NIGHT, sunday, monday) == 180


def test_wall_times_in_the_autumn_fold_mean_their_first_occurrence():
    sunday = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)
    deadline = add_business_minutes(BERLIN_NIGHT, sunday, 150)
    assert deadline.isoformat() == "2026-10-25T02:30:00+02:00"
    monday = datetime(2026, 10, 26, 0, 0, tzinfo=BERLIN)
    # 00:00 CEST to 04:00 CET is five real hours.
    assert business_minutes_between(BERLIN_NIGHT, sunday, monday) == 300


def test_a_new_york_night_shift_across_both_dst_changes():
    spring_saturday = datetime(2026, 3, 7, 22, 0, tzinfo=NEW_YORK)
    deadline = add_business_minutes(NEW_YORK_NIGHT, spring_saturday, 240)
    assert deadline == datetime(2026, 3, 8, 3, 0, tzinfo=NEW_YORK)
    assert deadline.utcoffset() == timedelta(hours=-4)
    autumn_saturday = datetime(2026, 10, 31, 20, 0, tzinfo=NEW_YORK)
    sunday_end = datetime(2026, 11, 1, 4, 0, tzinfo=NEW_YORK)
    assert business_minutes_between(NEW_YORK_NIGHT, autumn_saturday, sunday_end) == 9 * 60


def test_new_york_holidays_and_extra_days():
    cal = NEW_YORK_NIGHT
    thursday = datetime(2026, 7, 2, 16, 0, tzinfo=NEW_YORK)
    assert add_business_minutes(cal, thursday, 61) == datetime(2026, 7, 4, 20, 1, tzinfo=NEW_YORK)
    assert is_open(cal, datetime(2026, 7, 11, 11, 0, tzinfo=NEW_YORK))
    assert not is_open(cal, datetime(2026, 7, 11, 12, 0, tzinfo=NEW_YORK))


# --- calendar rules and bad input -----------------------------------------------------------


def test_explicit_dates_override_the_country_calendar():
    overlay = CountryOverlay("RU", hours("09:00-19:00"))
    cal = WorkCalendar(
        "Europe/Moscow",
        week(*[hours("09:00-19:00")] * 5),
        holidays=frozenset({date(2027, 2, 20)}),
        extra_workdays={date(2026, 1, 9): hours("10:00-14:00")},
        overlay=overlay,
    )
    assert day_hours(cal, date(2026, 1, 9)) == hours("10:00-14:00")
    assert day_hours(cal, date(2027, 2, 20)) == ()
    assert day_hours(cal, date(2026, 1, 8)) == ()
    assert day_hours(RU, date(2027, 2, 20)) == hours("09:00-19:00")


def test_a_calendar_is_an_immutable_hashable_value():
    a = WorkCalendar("Europe/Moscow", week(mon=hours("13:00-18:00", "09:00-12:00")))
    b = WorkCalendar("Europe/Moscow", week(mon=hours("09:00-12:00", "13:00-18:00")))
    assert a == b
    assert hash(a) == hash(b)
    assert a.weekly[0] == hours("09:00-12:00", "13:00-18:00")
    with pytest.raises(TypeError):
        MOSCOW_ODD.extra_workdays[date(2030, 1, 1)] = ()  # type: ignore[index]


@pytest.mark.parametrize(
    "make",
    [
        lambda: WorkCalendar("Europe/Moscow", week(mon=hours("09:00-13:00", "12:00-18:00"))),
        lambda: WorkCalendar("Europe/Moscow", week(mon=hours("18:00-09:00"))),
        lambda: WorkCalendar("Europe/Moscow", week(mon=hours("09:00-09:00"))),
        lambda: WorkCalendar("Europe/Moscow", (hours("09:00-18:00"),) * 5),
        lambda: WorkCalendar(
            "Europe/Moscow",
            holidays=frozenset({date(2026, 1, 1)}),
            extra_workdays={date(2026, 1, 1): hours("09:00-10:00")},
        ),
    ],
)
def test_malformed_calendars_are_refused(make):
    with pytest.raises(ValueError):
        make()


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(KeyError):
        WorkCalendar("Mars/Olympus_Mons")


def test_naive_datetimes_and_negative_durations_are_refused():
    naive = datetime(2026, 11, 23, 10, 0)
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(RU, naive, 10)
    with pytest.raises(ValueError, match="aware"):
        business_minutes_between(RU, naive, msk(2026, 11, 24))
    with pytest.raises(ValueError, match="aware"):
        is_open(RU, naive)
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(RU, msk(2026, 11, 23), -1)


def test_a_calendar_that_never_opens_fails_instead_of_looping():
    with pytest.raises(ValueError, match="no working time"):
        add_business_minutes(WorkCalendar("Europe/Moscow"), msk(2026, 11, 23), 1)
    assert business_minutes_between(WorkCalendar("UTC"), msk(2026, 1, 1), msk(2027, 1, 1)) == 0


# --- properties -----------------------------------------------------------------------------

ZONES = [UTC, MSK, BERLIN, NEW_YORK, ZoneInfo("Asia/Vladivostok")]
DST_CHANGES = [
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
]
wide_instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)
near_dst = st.builds(
    lambda change, seconds, zone: (change + timedelta(seconds=seconds)).astimezone(zone),
    st.sampled_from(DST_CHANGES),
    st.integers(-3 * 86400, 3 * 86400),
    st.sampled_from(ZONES),
)
instants = st.one_of(wide_instants, near_dst)
calendars = st.sampled_from(CALENDARS)
minutes = st.one_of(st.integers(0, 3000), st.integers(0, 100_000))
quick = settings(max_examples=60, deadline=None, database=None)


@quick
@given(calendars, instants, minutes, minutes)
def test_more_minutes_never_give_an_earlier_deadline(cal, start, a, b):
    low, high = sorted((a, b))
    assert utc(add_business_minutes(cal, start, low)) <= utc(add_business_minutes(cal, start, high))


@quick
@given(calendars, instants, minutes, st.integers(1, 20_000))
def test_adding_in_two_steps_equals_adding_at_once(cal, start, a, b):
    # b > 0: adding zero moves a deadline that fell on closing time to the next opening.
    two_steps = add_business_minutes(cal, add_business_minutes(cal, start, a), b)
    assert utc(two_steps) == utc(add_business_minutes(cal, start, a + b))


@quick
@given(calendars, instants, minutes)
def test_the_time_between_start_and_deadline_is_what_was_added(cal, start, n):
    deadline = add_business_minutes(cal, start, n)
    assert utc(deadline) >= utc(start)
    assert business_minutes_between(cal, start, deadline) == n
    assert business_time_between(cal, start, deadline) == timedelta(minutes=n)


@quick
@given(calendars, st.lists(instants, min_size=4, max_size=4))
def test_a_pause_removes_exactly_its_own_business_time(cal, moments):
    start, paused, resumed, end = sorted(moments, key=utc)
    running = business_time_between(cal, start, paused) + business_time_between(cal, resumed, end)
    total = business_time_between(cal, start, end)
    assert running == total - business_time_between(cal, paused, resumed)


@quick
@given(calendars, instants, minutes)
def test_deadlines_fall_inside_working_hours_or_exactly_at_closing(cal, start, n):
    deadline = add_business_minutes(cal, start, n)
    if n == 0:
        assert is_open(cal, deadline)
        assert utc(deadline) == utc(next_open(cal, start))
    else:
        assert is_open(cal, deadline) or is_open(cal, deadline - timedelta(microseconds=1))
    assert deadline.tzinfo == cal.zone


@quick
@given(calendars, instants)
def test_next_open_is_open_and_nothing_before_it_is_business_time(cal, instant):
    opening = next_open(cal, instant)
    assert is_open(cal, opening)
    assert business_time_between(cal, instant, opening) == timedelta(0)
    assert is_open(cal, instant) == (utc(opening) == utc(instant))


def _minute_is_open(cal: WorkCalendar, instant: datetime) -> bool:
    local = instant.astimezone(cal.zone)
    second = local.hour * 3600 + local.minute * 60
    for start, end in day_hours(cal, local.date()):
        end_second = 86400 if end == time(0) else end.hour * 3600 + end.minute * 60
        if start.hour * 3600 + start.minute * 60 <= second < end_second:
            return True
    return False


def _oracle_add(cal: WorkCalendar, start: datetime, n: int) -> datetime:
    """Walk minute by minute over wall-clock hours: slow, obviously right, independent."""
    now = start.astimezone(UTC)
    while not _minute_is_open(cal, now):
        now += timedelta(minutes=1)
    while n:
        if _minute_is_open(cal, now):
            n -= 1
        now += timedelta(minutes=1)
    return now


@settings(max_examples=40, deadline=None, database=None)
@given(
    st.sampled_from([MOSCOW_ODD, NEW_YORK_WIDE, RU]),
    st.one_of(wide_instants, near_dst).map(lambda d: d.replace(second=0, microsecond=0)),
    st.integers(1, 900),
)
def test_agrees_with_a_minute_by_minute_walk(cal, start, n):
    assert utc(add_business_minutes(cal, start, n)) == _oracle_add(cal, start, n)


@quick
@given(calendars, instants, st.integers(0, 10**9))
def test_microsecond_durations_round_trip(cal, start, microseconds):
    duration = timedelta(microseconds=microseconds)
    deadline = add_business_time(cal, start, duration)
    assert business_time_between(cal, start, deadline) == duration
