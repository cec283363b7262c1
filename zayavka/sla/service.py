"""SLA deadlines of tickets: which clock a contract's targets run on and when they fall due.

The arithmetic is `business_time`'s; this module connects it to the database rows:

* A contract's **calendar** is its `Calendar` row (or the built-in ``ru-workdays-9-19`` when
  it has none); a 24/7 contract or a 24/7 calendar is always open.
* A target's **clock** is that calendar, or wall-clock time (always open, same zone) when the
  target does not count business hours only (e.g. urgent: resolve within 2 hours, R24).
* **Deadlines** run from the ticket's creation: ``first_response_due`` after the target's
  first-response time, ``resolution_due`` after its resolution time plus the clock time the
  ticket has spent paused.

Pauses. The resolution clock stops while the ticket waits for the requester and resumes on
their reply. Only finished pauses are stored as one duration (clock time, not wall time);
the running one is a start instant. On resume the due date moves by the clock time that
passed during the pause (`resume_deadline`), which is the same as counting the time left
at the pause from the resume instant. A pause that starts when the deadline has already
passed moves nothing: a breach stays a breach. The first-response clock never pauses: a
ticket that waits for the requester has been answered.
"""

from __future__ import annotations

import contextlib
import functools
import json
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import DatabaseError, connection, transaction

from zayavka.core.refcache import cached
from zayavka.sla.business_time import (
    WorkCalendar,
    add_business_time,
    business_time_between,
    day_hours,
)
from zayavka.sla.calendars import (
    ALWAYS_OPEN,
    BUILTIN_NAMES,
    RU_WORKDAYS_9_19,
    builtin_calendar,
    calendar_from_data,
)
from zayavka.sla.models import Calendar, SlaTarget

if TYPE_CHECKING:
    from zayavka.accounts.models import Contract
    from zayavka.tickets.models import Priority, Ticket

#: The calendar of a contract that names none: support on Russian working days, 9:00-19:00.
DEFAULT_CALENDAR = RU_WORKDAYS_9_19

_ZERO = timedelta(0)
# A scan for working periods gives up after a year without any (a misconfigured calendar).
_MAX_SCAN_DAYS = 366


class Deadlines(NamedTuple):
    """When a ticket must get its first response and its resolution; None: no target."""

    first_response_due: datetime | None
    resolution_due: datetime | None


class ResumedClock(NamedTuple):
    """The outcome of a pause: the moved resolution deadline and the time to credit."""

    resolution_due: datetime | None
    credit: timedelta


# --- calendars ------------------------------------------------------------------------------


def calendar_data(calendar: Calendar) -> dict[str, Any]:
    """The row as the plain data `calendars.calendar_from_data` reads."""
    data: dict[str, Any] = {
        "timezone": calendar.timezone,
        "hours": calendar.hours if calendar.hours is not None else {},
        "always_open": bool(calendar.is_24x7),
        "holidays_extra": calendar.holidays_extra if calendar.holidays_extra is not None else [],
        "workdays_extra": calendar.workdays_extra if calendar.workdays_extra is not None else [],
    }
    if calendar.country:
        data["country"] = calendar.country
    return data


def work_calendar_for(calendar: Calendar | None, *, is_24x7: bool = False) -> WorkCalendar:
    """The `WorkCalendar` of a calendar row; the built-in default when ``calendar`` is None.

    ``is_24x7`` (the contract's flag) or the row's own 24/7 flag give an always-open
    calendar in the row's time zone. The row is always read as data, so an administrator's
    edits to the seeded ``ru-workdays-9-19`` row take effect; unedited, it builds a calendar
    equal to `builtin_calendar`. Results are cached per process by the row's content, so an
    edited row is never served stale and no version column is needed.

    Raises ValueError (naming the field) when the row's data is malformed.
    """
    if calendar is None:
        return builtin_calendar(ALWAYS_OPEN if is_24x7 else DEFAULT_CALENDAR)
    if is_24x7 or calendar.is_24x7:
        return _always_open(calendar.timezone)
    try:
        key = json.dumps(calendar_data(calendar), sort_keys=True, default=str)
    except (TypeError, ValueError) as error:
        raise ValueError(f"calendar {calendar.name!r}: {error}") from error
    return _from_json(key)


@functools.lru_cache(maxsize=256)
def _from_json(text: str) -> WorkCalendar:
    return calendar_from_data(json.loads(text))


@functools.lru_cache(maxsize=64)
def _always_open(zone: str) -> WorkCalendar:
    try:
        return WorkCalendar(timezone=zone, always_open=True)
    except (KeyError, ValueError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"calendar 'timezone': unknown zone {zone!r}") from error


def contract_calendar(contract: Contract | None) -> WorkCalendar:
    """The support hours of a contract (the default calendar for no contract)."""
    if contract is None:
        return builtin_calendar(DEFAULT_CALENDAR)
    return work_calendar_for(contract.calendar, is_24x7=contract.is_24x7)


def find_calendar(name: str) -> WorkCalendar | None:
    """The calendar called ``name``: a `Calendar` row, else a built-in one; None if neither.

    Works without a database (or before migrations): then only built-in names resolve.
    Raises ValueError when the row exists but its data is malformed.
    """
    row: Calendar | None = None
    with contextlib.suppress(DatabaseError), _savepoint():
        row = Calendar.objects.filter(name=name).first()
    if row is not None:
        return work_calendar_for(row)
    if name in BUILTIN_NAMES:
        return builtin_calendar(name)
    return None


def calendar_names() -> list[str]:
    """Names `find_calendar` accepts: the built-in ones and every row, sorted."""
    names: set[str] = set(BUILTIN_NAMES)
    with contextlib.suppress(DatabaseError), _savepoint():
        names.update(Calendar.objects.values_list("name", flat=True))
    return sorted(names)


def _savepoint() -> contextlib.AbstractContextManager[Any]:
    # Inside a transaction a failed query (no table yet) must not poison it (PostgreSQL).
    # Outside one, no transaction at all: SQLite's IMMEDIATE mode would take the write lock.
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def working_periods(
    cal: WorkCalendar, after: datetime, count: int
) -> list[tuple[datetime, datetime]]:
    """The next ``count`` working periods as ``(opening, closing)`` in the calendar's zone.

    The first one starts at ``after`` when the desk is open then; touching intervals
    (09:00-13:00 and 13:00-18:00, or a night shift across midnight) are one period.
    Empty for an always-open calendar; fewer than ``count`` when a year holds no more.
    Meant for display: wall times inside a DST gap are taken at the zone's first offset.
    """
    if cal.always_open or count <= 0:
        return []
    start = after.astimezone(cal.zone)
    periods: list[tuple[datetime, datetime]] = []
    day = start.date()
    for _ in range(_MAX_SCAN_DAYS):
        for opens, closes in day_hours(cal, day):
            opening = datetime.combine(day, opens, tzinfo=cal.zone)
            end_day = day + timedelta(days=1) if closes == time(0) else day
            closing = datetime.combine(end_day, closes, tzinfo=cal.zone)
            if _utc(closing) <= _utc(start) or _utc(closing) <= _utc(opening):
                continue
            opening = max(opening, start, key=_utc)
            if periods and _utc(periods[-1][1]) == _utc(opening):
                periods[-1] = (periods[-1][0], closing)
            else:
                periods.append((opening, closing))
        if len(periods) > count:  # the last one may still grow into the next day
            break
        day += timedelta(days=1)
    return periods[:count]


# --- targets and deadlines -----------------------------------------------------------------


def sla_target(contract: Contract | None, priority: Priority) -> SlaTarget | None:
    """The target of the contract's SLA plan for ``priority``; None: no promise made."""
    if contract is None or contract.sla_plan_id is None:
        return None
    targets: dict[tuple[int, int], SlaTarget] = cached(
        "sla_targets",
        lambda: {(t.plan_id, t.priority_id): t for t in SlaTarget.objects.all()},
    )
    return targets.get((contract.sla_plan_id, priority.pk))


def target_clock(contract: Contract | None, target: SlaTarget) -> WorkCalendar:
    """The clock a target runs on: the contract's calendar, or wall-clock time (same zone)
    when the target does not count business hours only."""
    calendar = contract_calendar(contract)
    if target.business_hours or calendar.always_open:
        return calendar
    return _always_open(calendar.timezone)


def sla_clock(*, contract: Contract | None, priority: Priority) -> WorkCalendar | None:
    """The clock of the contract's target for ``priority``; None when there is no target.

    Pauses are measured on this clock (see `pause_credit`).
    """
    target = sla_target(contract, priority)
    return None if target is None else target_clock(contract, target)


def compute_deadlines(
    *,
    contract: Contract | None,
    priority: Priority,
    start: datetime,
    paused: timedelta = _ZERO,
) -> Deadlines:
    """The deadlines for a ticket of ``priority`` under ``contract`` opened at ``start``.

    No contract, no SLA plan or no target for the priority: both None. Otherwise each due
    date is ``start`` plus the target's minutes on the target's clock (`target_clock`): a
    ticket received at night starts its business clock in the morning, and a target of 0
    minutes falls due at the next opening. ``paused`` (clock time of finished pauses, see
    `pause_credit`) moves the resolution deadline only. Results are aware datetimes in the
    calendar's zone. Raises ValueError for a naive ``start``, a negative ``paused`` or a
    malformed calendar row.
    """
    if paused < _ZERO:
        raise ValueError(f"paused time must not be negative, got {paused}")
    target = sla_target(contract, priority)
    if target is None:
        return Deadlines(None, None)
    clock = target_clock(contract, target)
    return Deadlines(
        first_response_due=add_business_time(
            clock, start, timedelta(minutes=target.first_response_minutes)
        ),
        resolution_due=add_business_time(
            clock, start, timedelta(minutes=target.resolution_minutes) + paused
        ),
    )


def stamp_ticket_deadlines(ticket: Ticket, *, paused: timedelta = _ZERO) -> list[str]:
    """Set the ticket's due dates from its contract, priority and creation time.

    Returns the names of the fields it changed (for ``save(update_fields=...)``); does not
    save. A deadline already met is history and stays as it was: ``first_response_due``
    once ``first_responded_at`` is set, ``resolution_due`` once ``resolved_at`` or
    ``closed_at`` is. ``paused`` is the ticket's total of finished pauses (clock time).
    """
    if ticket.created_at is None:
        raise ValueError("the ticket has no creation time yet")
    due = compute_deadlines(
        contract=ticket.contract, priority=ticket.priority, start=ticket.created_at, paused=paused
    )
    changed: list[str] = []
    if ticket.first_responded_at is None and not _same(
        ticket.first_response_due, due.first_response_due
    ):
        ticket.first_response_due = due.first_response_due
        changed.append("first_response_due")
    finished = ticket.resolved_at is not None or ticket.closed_at is not None
    if not finished and not _same(ticket.resolution_due, due.resolution_due):
        ticket.resolution_due = due.resolution_due
        changed.append("resolution_due")
    return changed


# --- pauses ---------------------------------------------------------------------------------


def pause_credit(
    cal: WorkCalendar, due: datetime, paused_at: datetime, resumed_at: datetime
) -> timedelta:
    """The clock time a pause adds to the deadline ``due``.

    The business time of ``[paused_at, resumed_at)`` on ``cal`` (nights, weekends and
    holidays inside the pause count for nothing); zero when the pause began at or after
    ``due``, because a breached deadline stays breached. Raises ValueError for naive
    instants or a resume before the pause.
    """
    for name, moment in (("due", due), ("paused_at", paused_at), ("resumed_at", resumed_at)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime, got {moment.isoformat()}")
    if _utc(resumed_at) < _utc(paused_at):
        raise ValueError(f"resumed at {resumed_at.isoformat()}, before the pause began")
    if _utc(paused_at) >= _utc(due):
        return _ZERO
    return business_time_between(cal, paused_at, resumed_at)


def resume_deadline(
    cal: WorkCalendar, due: datetime, paused_at: datetime, resumed_at: datetime
) -> datetime:
    """The deadline ``due`` after a pause from ``paused_at`` to ``resumed_at`` on ``cal``.

    It moves by `pause_credit`, the business time that passed during the pause; the result
    equals the business time that was left at the pause counted from ``resumed_at``. A pause
    with no business time in it, or one that began after ``due``, returns ``due`` unchanged
    (not moved to the next opening). A moved deadline is in the calendar's zone.
    """
    credit = pause_credit(cal, due, paused_at, resumed_at)
    if not credit:
        return due
    return add_business_time(cal, due, credit)


def resume_ticket_clock(
    ticket: Ticket, *, paused_at: datetime, resumed_at: datetime
) -> ResumedClock:
    """The ticket's resolution deadline after a pause, and the credit to add to its total.

    Does not change or save the ticket. With no target or no resolution deadline the
    deadline stays as it is and the credit is zero.
    """
    clock = sla_clock(contract=ticket.contract, priority=ticket.priority)
    due = ticket.resolution_due
    if clock is None or due is None:
        return ResumedClock(due, _ZERO)
    credit = pause_credit(clock, due, paused_at, resumed_at)
    return ResumedClock(resume_deadline(clock, due, paused_at, resumed_at), credit)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _same(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return _utc(a) == _utc(b)
