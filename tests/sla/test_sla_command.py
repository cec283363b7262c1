"""`zayavka sla due`: an administrator checks a calendar from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from zayavka.sla.models import Calendar


def due(calendar: str, start: str, minutes: str | int) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command(
            "sla",
            "due",
            "--calendar",
            calendar,
            "--start",
            start,
            "--minutes",
            str(minutes),
            stdout=out,
        )
    return out.getvalue().strip()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("calendar", "start", "minutes", "expected"),
    [
        # Friday 18:30 + 2 working hours = Monday 10:30.
        ("ru-workdays-9-19", "2026-03-13T18:30:00+03:00", 120, "2026-03-16T10:30:00+03:00"),
        # 31 December 2026 and 1-10 January 2027 are days off.
        ("ru-workdays-9-19", "2026-12-30T18:00:00+03:00", 120, "2027-01-11T10:00:00+03:00"),
        # Any offset in, the calendar's offset out; "Z" is accepted.
        ("ru-workdays-9-19", "2026-03-13T15:30:00Z", 120, "2026-03-16T10:30:00+03:00"),
        ("ru-workdays-9-19", "2026-03-13T16:30+01:00", 120, "2026-03-16T10:30:00+03:00"),
        # Zero minutes: the next opening.
        ("ru-workdays-9-19", "2026-03-14T12:00:00+03:00", 0, "2026-03-16T09:00:00+03:00"),
        ("24x7", "2026-12-30T18:00:00+03:00", 120, "2026-12-30T20:00:00+03:00"),
    ],
)
def test_the_deadline_is_printed_as_iso_8601_with_the_calendars_offset(
    calendar: str, start: str, minutes: int, expected: str
) -> None:
    assert due(calendar, start, minutes) == expected


@pytest.mark.django_db
def test_a_calendar_configured_in_the_admin_is_used_by_name() -> None:
    Calendar.objects.create(
        name="omsk-10-18",
        timezone="Asia/Omsk",
        hours={day: [["10:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        country="RU",
    )
    assert due("omsk-10-18", "2026-03-13T18:30:00+03:00", 120) == "2026-03-16T12:00:00+06:00"


@pytest.mark.django_db
def test_an_edited_built_in_calendar_is_checked_as_edited() -> None:
    # The company also closes on Monday 16 March 2026.
    Calendar.objects.filter(name="ru-workdays-9-19").update(holidays_extra=["2026-03-16"])
    assert due("ru-workdays-9-19", "2026-03-13T18:30:00+03:00", 120) == "2026-03-17T10:30:00+03:00"


@pytest.mark.django_db
def test_the_built_in_calendars_work_without_their_rows() -> None:
    Calendar.objects.all().delete()
    assert due("ru-workdays-9-19", "2026-03-13T18:30:00+03:00", 120) == "2026-03-16T10:30:00+03:00"


@pytest.mark.django_db
def test_an_unknown_calendar_is_an_error_listing_the_valid_names() -> None:
    Calendar.objects.create(name="office", country="")
    with pytest.raises(CommandError, match=r"Unknown calendar nope; valid names: 24x7, office, "):
        due("nope", "2026-03-13T18:30:00+03:00", 120)


@pytest.mark.django_db
def test_a_broken_calendar_row_is_an_error_naming_the_field() -> None:
    Calendar.objects.create(name="broken", hours={"mon": [["19:00", "09:00"]]})
    with pytest.raises(CommandError, match=r"Calendar broken cannot be used: .*hours\.mon"):
        due("broken", "2026-03-13T18:30:00+03:00", 120)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "minutes", "message"),
    [
        ("2026-03-13T18:30:00", 120, "has no UTC offset"),
        ("2026-03-13 18:30", 120, "has no UTC offset"),
        ("13.03.2026 18:30", 120, "is not an ISO 8601 date and time"),
        ("2026-02-30T10:00:00+03:00", 120, "is not an ISO 8601 date and time"),
        ("", 120, "is not an ISO 8601 date and time"),
        ("2026-03-13T18:30:00+03:00", -1, "must not be negative"),
        ("2026-03-13T18:30:00+03:00", "two hours", "invalid int value"),
    ],
)
def test_a_mistake_in_the_arguments_is_a_clear_error(
    start: str, minutes: str | int, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        due("ru-workdays-9-19", start, minutes)


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m zayavka.cli ...` on a fresh data directory that was never migrated."""
    env = {
        **os.environ,
        "ZAYAVKA_DATA_DIR": str(tmp_path / "var"),
        "ZAYAVKA_SECRET_KEY": "sla-cli-test",
        "ZAYAVKA_LANGUAGE": "en",
    }
    env.pop("ZAYAVKA_DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "zayavka.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_line_prints_the_deadline_and_fails_loudly(tmp_path: Path) -> None:
    ok = run_cli(
        tmp_path,
        *("sla", "due", "--calendar", "ru-workdays-9-19"),
        *("--start", "2026-12-30T18:00:00+03:00", "--minutes", "120"),
    )
    assert (ok.returncode, ok.stdout) == (0, "2027-01-11T10:00:00+03:00\n"), ok.stderr
    bad = run_cli(
        tmp_path,
        *("sla", "due", "--calendar", "nope"),
        *("--start", "2026-12-30T18:00:00+03:00", "--minutes", "120"),
    )
    assert bad.returncode != 0 and bad.stdout == ""
    assert "Unknown calendar nope; valid names: 24x7, ru-workdays-9-19" in bad.stderr
