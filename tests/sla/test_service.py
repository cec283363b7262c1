"""SLA deadlines as a support manager checks them: a contract on the Russian working-day
calendar, an urgent wall-clock target, a 24/7 contract, pauses while the ticket waits for
the requester, and the calendar check in the admin."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import ContractFactory, World
from zayavka.accounts.models import Contract, User
from zayavka.sla import admin as sla_admin
from zayavka.sla.business_time import (
    WorkCalendar,
    add_business_time,
    business_time_between,
)
from zayavka.sla.calendars import builtin_calendar
from zayavka.sla.models import Calendar, SlaPlan, SlaTarget
from zayavka.sla.service import (
    Deadlines,
    compute_deadlines,
    contract_calendar,
    pause_credit,
    resume_deadline,
    resume_ticket_clock,
    sla_clock,
    stamp_ticket_deadlines,
    work_calendar_for,
    working_periods,
)
from zayavka.tickets.actions import tickets as ticket_actions
from zayavka.tickets.models import Priority, Ticket

MSK = ZoneInfo("Europe/Moscow")
RU = builtin_calendar("ru-workdays-9-19")
ALWAYS = builtin_calendar("24x7")
FRIDAY_1830 = datetime(2026, 3, 13, 18, 30, tzinfo=MSK)


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def priority(slug: str) -> Priority:
    return Priority.objects.get(slug=slug)


@pytest.fixture
def plan(db: None) -> SlaPlan:
    """Normal: answer in 4 business hours, resolve in 16; urgent: 15 minutes and 2 hours
    around the clock (R24)."""
    plan = SlaPlan.objects.create(name="Стандарт")
    SlaTarget.objects.create(
        plan=plan,
        priority=priority("normal"),
        first_response_minutes=4 * 60,
        resolution_minutes=16 * 60,
    )
    SlaTarget.objects.create(
        plan=plan,
        priority=priority("urgent"),
        first_response_minutes=15,
        resolution_minutes=120,
        business_hours=False,
    )
    return plan


def contract_on(plan: SlaPlan, calendar: str | None = "ru-workdays-9-19", **kw: object) -> Contract:
    row = Calendar.objects.get(name=calendar) if calendar else None
    contract: Contract = ContractFactory.create(sla_plan=plan, calendar=row, **kw)
    return contract


def utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


# --- calendars from rows ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seeded_rows_build_the_built_in_calendars() -> None:
    assert work_calendar_for(Calendar.objects.get(name="ru-workdays-9-19")) == RU
    assert work_calendar_for(Calendar.objects.get(name="24x7")) == ALWAYS
    assert work_calendar_for(None) == RU
    assert work_calendar_for(None, is_24x7=True) == ALWAYS


@pytest.mark.django_db
def test_an_edited_calendar_is_never_served_from_a_stale_cache() -> None:
    row = Calendar.objects.create(
        name="office", hours={"mon": [["10:00", "18:00"]]}, country="", timezone="Asia/Omsk"
    )
    assert work_calendar_for(row).weekly[0] == ((time(10), time(18)),)
    row.hours = {"mon": [["08:00", "12:00"]]}
    row.save()
    assert work_calendar_for(Calendar.objects.get(pk=row.pk)).weekly[0] == ((time(8), time(12)),)


@pytest.mark.django_db
def test_a_24x7_flag_on_the_contract_or_the_calendar_opens_the_clock_in_its_zone() -> None:
    row = Calendar.objects.create(name="omsk", timezone="Asia/Omsk", country="")
    assert work_calendar_for(row, is_24x7=True) == WorkCalendar("Asia/Omsk", always_open=True)
    row.is_24x7 = True
    assert work_calendar_for(row).always_open


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "unknown zone"),
        ("hours", {"mon": [["19:00", "09:00"]]}, "hours.mon"),
        ("holidays_extra", ["31.12.2026"], "holidays_extra"),
        ("holidays_extra", 5, "wrong shape"),
        ("country", "XX", "country"),
    ],
)
def test_a_malformed_calendar_row_is_a_value_error_naming_the_field(
    field: str, value: object, message: str
) -> None:
    row = Calendar(name="broken", **{field: value})
    with pytest.raises(ValueError, match=message):
        work_calendar_for(row)


# --- deadlines through the contract ---------------------------------------------------------


@pytest.mark.django_db
def test_a_normal_request_on_friday_evening_is_answered_monday_and_resolved_tuesday(
    plan: SlaPlan,
) -> None:
    contract = contract_on(plan)
    due = compute_deadlines(contract=contract, priority=priority("normal"), start=FRIDAY_1830)
    # 30 minutes on Friday, then Monday 9:00: 4 h -> 12:30; 16 h -> Tuesday 14:30.
    assert due == Deadlines(msk(2026, 3, 16, 12, 30), msk(2026, 3, 17, 14, 30))
    assert due.resolution_due is not None and due.resolution_due.utcoffset() == timedelta(hours=3)


@pytest.mark.django_db
def test_an_urgent_request_is_resolved_within_two_hours_of_wall_clock_time(plan: SlaPlan) -> None:
    contract = contract_on(plan)
    due = compute_deadlines(contract=contract, priority=priority("urgent"), start=FRIDAY_1830)
    assert due == Deadlines(msk(2026, 3, 13, 18, 45), msk(2026, 3, 13, 20, 30))
    saturday_night = msk(2026, 3, 14, 23, 30)
    due = compute_deadlines(contract=contract, priority=priority("urgent"), start=saturday_night)
    assert due.resolution_due == msk(2026, 3, 15, 1, 30)


@pytest.mark.django_db
def test_the_new_year_holidays_and_the_transferred_31_december_stop_the_clock(
    plan: SlaPlan,
) -> None:
    contract = contract_on(plan)
    due = compute_deadlines(
        contract=contract, priority=priority("normal"), start=msk(2026, 12, 30, 18, 0)
    )
    # 31 December 2026 and 1-10 January 2027 are days off: 1 h on the 30th, then the 11th.
    assert due == Deadlines(msk(2027, 1, 11, 12, 0), msk(2027, 1, 12, 14, 0))


@pytest.mark.django_db
def test_a_24x7_contract_counts_every_hour(plan: SlaPlan) -> None:
    flagged = contract_on(plan, is_24x7=True)
    on_24x7_calendar = contract_on(plan, calendar="24x7")
    for contract in (flagged, on_24x7_calendar):
        due = compute_deadlines(contract=contract, priority=priority("normal"), start=FRIDAY_1830)
        assert due == Deadlines(msk(2026, 3, 13, 22, 30), msk(2026, 3, 14, 10, 30))


@pytest.mark.django_db
def test_a_contract_without_a_calendar_gets_working_days_9_to_19(plan: SlaPlan) -> None:
    contract = contract_on(plan, calendar=None)
    assert contract_calendar(contract) == RU
    due = compute_deadlines(contract=contract, priority=priority("normal"), start=FRIDAY_1830)
    assert due.resolution_due == msk(2026, 3, 17, 14, 30)


@pytest.mark.django_db
def test_a_custom_calendar_in_another_zone(plan: SlaPlan) -> None:
    Calendar.objects.create(
        name="omsk-10-18",
        timezone="Asia/Omsk",
        hours={day: [["10:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        country="RU",
    )
    contract = contract_on(plan, calendar="omsk-10-18")
    # Friday 18:30 Moscow is 21:30 in Omsk: the clock starts on Monday at 10:00 (+06:00).
    due = compute_deadlines(contract=contract, priority=priority("normal"), start=FRIDAY_1830)
    omsk = ZoneInfo("Asia/Omsk")
    assert due == Deadlines(
        datetime(2026, 3, 16, 14, 0, tzinfo=omsk), datetime(2026, 3, 17, 18, 0, tzinfo=omsk)
    )


@pytest.mark.django_db
def test_no_contract_no_plan_or_no_target_means_no_deadlines(plan: SlaPlan) -> None:
    normal = priority("normal")
    none = Deadlines(None, None)
    assert compute_deadlines(contract=None, priority=normal, start=FRIDAY_1830) == none
    without_plan: Contract = ContractFactory.create()
    assert compute_deadlines(contract=without_plan, priority=normal, start=FRIDAY_1830) == none
    low = priority("low")
    assert compute_deadlines(contract=contract_on(plan), priority=low, start=FRIDAY_1830) == none
    assert sla_clock(contract=contract_on(plan), priority=low) is None


@pytest.mark.django_db
def test_a_zero_minute_target_falls_due_at_the_next_opening(plan: SlaPlan) -> None:
    SlaTarget.objects.create(
        plan=plan, priority=priority("high"), first_response_minutes=0, resolution_minutes=60
    )
    contract = contract_on(plan)
    due = compute_deadlines(contract=contract, priority=priority("high"), start=FRIDAY_1830)
    assert due == Deadlines(FRIDAY_1830, msk(2026, 3, 16, 9, 30))
    saturday = msk(2026, 3, 14, 12, 0)
    due = compute_deadlines(contract=contract, priority=priority("high"), start=saturday)
    assert due.first_response_due == msk(2026, 3, 16, 9, 0)


@pytest.mark.django_db
def test_paused_time_moves_the_resolution_deadline_only(plan: SlaPlan) -> None:
    contract = contract_on(plan)
    normal = priority("normal")
    due = compute_deadlines(
        contract=contract, priority=normal, start=FRIDAY_1830, paused=timedelta(hours=5)
    )
    assert due == Deadlines(msk(2026, 3, 16, 12, 30), msk(2026, 3, 18, 9, 30))
    with pytest.raises(ValueError, match="negative"):
        compute_deadlines(
            contract=contract, priority=normal, start=FRIDAY_1830, paused=timedelta(-1)
        )
    with pytest.raises(ValueError, match="naive"):
        compute_deadlines(contract=contract, priority=normal, start=datetime(2026, 3, 13, 18))


# --- stamping a ticket ----------------------------------------------------------------------


def open_ticket(world: World, contract: Contract, slug: str = "normal") -> Ticket:
    ticket = ticket_actions.open_ticket(
        subject="Не открывается сайт",
        requester=world.oleg,
        channel="email",
        priority=priority(slug),
        organization=contract.organization,
        contract=contract,
        at=FRIDAY_1830,
    )
    # Whether or not open_ticket stamps deadlines itself, start from a clean slate.
    ticket.first_response_due = ticket.resolution_due = ticket.sla_next_check_at = None
    return ticket


@pytest.mark.django_db
def test_stamping_a_ticket_reports_exactly_the_fields_it_changed(
    world: World, plan: SlaPlan
) -> None:
    ticket = open_ticket(world, contract_on(plan))
    changed = stamp_ticket_deadlines(ticket)
    assert changed == ["first_response_due", "resolution_due"]
    # The escalation scanner's next check is the action's to move with the deadlines.
    changed += ticket_actions.refresh_next_check(ticket)
    assert changed[-1] == "sla_next_check_at"
    ticket.save(update_fields=changed)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert utc(ticket.resolution_due) == utc(msk(2026, 3, 17, 14, 30))
    assert stamp_ticket_deadlines(ticket) == []

    ticket.priority = priority("urgent")
    assert stamp_ticket_deadlines(ticket) == ["first_response_due", "resolution_due"]
    assert ticket.resolution_due == msk(2026, 3, 13, 20, 30)
    assert ticket_actions.refresh_next_check(ticket) == ["sla_next_check_at"]

    ticket.contract = None
    assert stamp_ticket_deadlines(ticket) == ["first_response_due", "resolution_due"]
    assert ticket.first_response_due is None and ticket.resolution_due is None
    assert ticket_actions.refresh_next_check(ticket) == ["sla_next_check_at"]
    assert ticket.sla_next_check_at is None


@pytest.mark.django_db
def test_a_deadline_already_met_stays_as_it_was(world: World, plan: SlaPlan) -> None:
    ticket = open_ticket(world, contract_on(plan))
    stamp_ticket_deadlines(ticket)
    ticket.first_responded_at = msk(2026, 3, 16, 10, 0)
    ticket.priority = priority("urgent")
    assert stamp_ticket_deadlines(ticket) == ["resolution_due"]
    assert ticket.first_response_due == msk(2026, 3, 16, 12, 30)
    ticket.resolved_at = msk(2026, 3, 16, 11, 0)
    ticket.priority = priority("normal")
    # A resolved ticket keeps its deadlines and leaves the scanner's sight.
    assert stamp_ticket_deadlines(ticket) == []
    ticket_actions.refresh_next_check(ticket)
    assert ticket.resolution_due == msk(2026, 3, 13, 20, 30)
    assert ticket.sla_next_check_at is None


@pytest.mark.django_db
def test_a_ticket_waiting_for_the_requester_gets_its_time_back(world: World, plan: SlaPlan) -> None:
    ticket = open_ticket(world, contract_on(plan))
    stamp_ticket_deadlines(ticket)  # resolution due Tuesday 14:30
    # The agent asks a question on Monday at 11:00; the requester answers at 13:15.
    resumed = resume_ticket_clock(
        ticket, paused_at=msk(2026, 3, 16, 11, 0), resumed_at=msk(2026, 3, 16, 13, 15)
    )
    assert resumed.resolution_due == msk(2026, 3, 17, 16, 45)
    assert resumed.credit == timedelta(hours=2, minutes=15)
    # Recomputing later (say, on a contract change) with the credit gives the same date.
    assert stamp_ticket_deadlines(ticket, paused=resumed.credit) == ["resolution_due"]
    assert ticket.resolution_due == resumed.resolution_due


@pytest.mark.django_db
def test_an_urgent_ticket_pauses_on_the_wall_clock(world: World, plan: SlaPlan) -> None:
    ticket = open_ticket(world, contract_on(plan), "urgent")
    stamp_ticket_deadlines(ticket)  # resolution due Friday 20:30
    resumed = resume_ticket_clock(
        ticket, paused_at=msk(2026, 3, 13, 19, 0), resumed_at=msk(2026, 3, 14, 9, 0)
    )
    assert resumed == (msk(2026, 3, 14, 10, 30), timedelta(hours=14))


@pytest.mark.django_db
def test_a_ticket_without_a_target_has_no_clock_to_resume(world: World) -> None:
    ticket = open_ticket(world, ContractFactory.create())
    assert resume_ticket_clock(ticket, paused_at=FRIDAY_1830, resumed_at=msk(2026, 3, 16)) == (
        None,
        timedelta(0),
    )


# --- resume_deadline (pure) -----------------------------------------------------------------


def test_a_pause_over_the_weekend_moves_the_deadline_by_the_working_time_in_it() -> None:
    due = msk(2026, 3, 16, 12, 0)  # Monday
    # Friday 18:00 to Monday 9:30: one hour on Friday and half an hour on Monday.
    assert resume_deadline(RU, due, msk(2026, 3, 13, 18, 0), msk(2026, 3, 16, 9, 30)) == msk(
        2026, 3, 16, 13, 30
    )
    # Asked after closing on Friday, answered before opening on Monday: nothing moves.
    assert resume_deadline(RU, due, msk(2026, 3, 13, 19, 30), msk(2026, 3, 16, 8, 0)) == due


def test_a_pause_in_working_hours_moves_the_deadline_by_exactly_its_length() -> None:
    due = msk(2026, 3, 17, 14, 30)
    paused, resumed = msk(2026, 3, 16, 11, 0), msk(2026, 3, 16, 13, 15)
    assert pause_credit(RU, due, paused, resumed) == timedelta(hours=2, minutes=15)
    assert resume_deadline(RU, due, paused, resumed) == msk(2026, 3, 17, 16, 45)
    # The moved deadline can cross into the next working day.
    assert resume_deadline(RU, due, paused, msk(2026, 3, 16, 17, 0)) == msk(2026, 3, 18, 10, 30)


def test_a_pause_over_the_new_year_holidays_counts_only_working_days() -> None:
    due = msk(2026, 12, 30, 17, 0)
    resumed = resume_deadline(RU, due, msk(2026, 12, 30, 16, 0), msk(2027, 1, 11, 10, 0))
    # The hour left at 16:00 on the 30th runs from 10:00 on 11 January, the next working day.
    assert resumed == msk(2027, 1, 11, 11, 0)


def test_a_deadline_at_closing_time_stays_there_after_an_empty_pause() -> None:
    due = msk(2026, 3, 13, 19, 0)
    assert resume_deadline(RU, due, msk(2026, 3, 13, 18, 0), msk(2026, 3, 13, 18, 0)) == due
    # One minute of pause still lands on a working minute.
    assert resume_deadline(RU, due, msk(2026, 3, 13, 18, 0), msk(2026, 3, 13, 18, 1)) == msk(
        2026, 3, 16, 9, 1
    )


def test_a_breach_stays_a_breach() -> None:
    due = msk(2026, 3, 16, 12, 0)
    paused, resumed = msk(2026, 3, 16, 12, 0), msk(2026, 3, 17, 12, 0)
    assert pause_credit(RU, due, paused, resumed) == timedelta(0)
    assert resume_deadline(RU, due, paused, resumed) == due


def test_a_pause_on_a_24x7_clock_moves_the_deadline_by_wall_clock_time() -> None:
    due = msk(2026, 3, 14, 3, 0)
    assert resume_deadline(ALWAYS, due, msk(2026, 3, 13, 22, 0), msk(2026, 3, 14, 1, 30)) == msk(
        2026, 3, 14, 6, 30
    )


def test_resume_rejects_naive_instants_and_a_resume_before_the_pause() -> None:
    due = msk(2026, 3, 16, 12, 0)
    with pytest.raises(ValueError, match="before the pause"):
        resume_deadline(RU, due, msk(2026, 3, 16, 11, 0), msk(2026, 3, 16, 10, 0))
    with pytest.raises(ValueError, match="aware"):
        resume_deadline(RU, due, datetime(2026, 3, 16, 10, 0), msk(2026, 3, 16, 11, 0))


INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
DURATIONS = st.integers(min_value=1, max_value=60 * 60 * 24 * 60).map(
    lambda seconds: timedelta(seconds=seconds)
)


@settings(deadline=None)
@given(start=INSTANTS, target=DURATIONS, pause_from=INSTANTS, pause_length=DURATIONS)
def test_resuming_counts_the_time_left_at_the_pause_from_the_resume(
    start: datetime, target: timedelta, pause_from: datetime, pause_length: timedelta
) -> None:
    due = add_business_time(RU, start, target)
    resumed_at = pause_from + pause_length
    moved = resume_deadline(RU, due, pause_from, resumed_at)
    if pause_from < due:
        left = business_time_between(RU, pause_from, due)
        if left:
            assert utc(moved) == utc(add_business_time(RU, resumed_at, left))
        # Pause-consistent: as if the target had been longer by the credited time.
        credit = pause_credit(RU, due, pause_from, resumed_at)
        assert utc(moved) == utc(add_business_time(RU, start, target + credit))
        assert moved >= due
    else:
        assert moved == due


# --- the calendar check in the admin ------------------------------------------------------------


def test_working_periods_start_now_when_open_and_merge_touching_intervals() -> None:
    periods = working_periods(RU, msk(2026, 12, 30, 18, 0), 3)
    assert periods == [
        (msk(2026, 12, 30, 18, 0), msk(2026, 12, 30, 19, 0)),
        (msk(2027, 1, 11, 9, 0), msk(2027, 1, 11, 19, 0)),
        (msk(2027, 1, 12, 9, 0), msk(2027, 1, 12, 19, 0)),
    ]
    night_shift = WorkCalendar(
        "Europe/Moscow",
        weekly=(((time(20), time(0)),), ((time(0), time(6)), (time(20), time(0)))) + ((),) * 5,
    )
    assert working_periods(night_shift, msk(2026, 3, 16, 12, 0), 5) == [
        (msk(2026, 3, 16, 20, 0), msk(2026, 3, 17, 6, 0)),
        (msk(2026, 3, 17, 20, 0), msk(2026, 3, 18, 0, 0)),
        (msk(2026, 3, 23, 20, 0), msk(2026, 3, 24, 6, 0)),
        (msk(2026, 3, 24, 20, 0), msk(2026, 3, 25, 0, 0)),
        (msk(2026, 3, 30, 20, 0), msk(2026, 3, 31, 6, 0)),
    ]
    assert working_periods(ALWAYS, FRIDAY_1830, 5) == []


@pytest.mark.django_db
def test_an_administrator_checks_a_calendar_and_cannot_save_a_broken_one(
    plain_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    plain_client.force_login(admin)
    fixed_now = datetime(2026, 12, 30, 15, 0, tzinfo=UTC)  # 18:00 in Moscow
    monkeypatch.setattr(sla_admin, "timezone", SimpleNamespace(now=lambda: fixed_now))
    row = Calendar.objects.get(name="ru-workdays-9-19")
    url = reverse("admin:sla_calendar_change", args=[row.pk])
    with translation.override("en"):
        page = plain_client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "Next working periods" in page
    assert "Wed, 2026-12-30 18:00 – 19:00" in page
    assert "Mon, 2027-01-11 09:00 – 19:00" in page
    assert "120 business minutes from now fall due on Mon, 2027-01-11 10:00" in page
    always = Calendar.objects.get(name="24x7")
    page = plain_client.get(reverse("admin:sla_calendar_change", args=[always.pk])).content.decode()
    assert "2026-12-30 20:00" in page

    response = plain_client.post(
        reverse("admin:sla_calendar_add"),
        {
            "name": "broken",
            "timezone": "Europe/Moscow",
            "hours": '{"mon": [["19:00", "09:00"]]}',
            "country": "RU",
            "holidays_extra": "[]",
            "workdays_extra": "[]",
        },
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert "hours.mon" in response.content.decode()
    assert not Calendar.objects.filter(name="broken").exists()
