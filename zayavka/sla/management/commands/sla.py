"""`zayavka sla due --calendar NAME --start ISO8601 --minutes N`: check a calendar by hand.

Prints one line: the instant ``N`` business minutes after ``--start`` on the calendar, as
ISO 8601 with the calendar's UTC offset (e.g. ``2026-03-16T10:30:00+03:00``). ``NAME`` is a
calendar configured in the admin or a built-in one (``ru-workdays-9-19``, ``24x7``); the
built-in names work even before the database is set up. Mistakes exit non-zero with the
reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from zayavka.sla.business_time import add_business_minutes
from zayavka.sla.service import calendar_names, find_calendar


class Command(BaseCommand):
    help = "Service levels: `sla due --calendar NAME --start ISO8601 --minutes N`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser(
            "due", help="the deadline N business minutes after a start, on a calendar"
        )
        due.add_argument("--calendar", required=True, help="calendar name, e.g. ru-workdays-9-19")
        due.add_argument(
            "--start", required=True, help="aware ISO 8601 instant, e.g. 2026-03-13T18:30+03:00"
        )
        due.add_argument("--minutes", required=True, type=int, help="business minutes, >= 0")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "due":
            self._due(options["calendar"], options["start"], options["minutes"])

    def _due(self, name: str, start_text: str, minutes: int) -> None:
        start = parse_start(start_text)
        if minutes < 0:
            raise CommandError(
                _("--minutes must not be negative, got %(minutes)d.") % {"minutes": minutes}
            )
        try:
            calendar = find_calendar(name)
        except ValueError as error:
            raise CommandError(
                _("Calendar %(name)s cannot be used: %(error)s") % {"name": name, "error": error}
            ) from error
        if calendar is None:
            raise CommandError(
                _("Unknown calendar %(name)s; valid names: %(names)s.")
                % {"name": name, "names": ", ".join(calendar_names())}
            )
        try:
            due = add_business_minutes(calendar, start, minutes)
        except ValueError as error:  # e.g. a calendar with no working time at all
            raise CommandError(str(error)) from error
        self.stdout.write(due.isoformat())


def parse_start(text: str) -> datetime:
    """An aware datetime from ISO 8601 text; CommandError for malformed or naive text."""
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise CommandError(
            _("--start %(value)s is not an ISO 8601 date and time, e.g. %(example)s.")
            % {"value": text, "example": "2026-03-13T18:30:00+03:00"}
        ) from error
    if start.tzinfo is None or start.utcoffset() is None:
        raise CommandError(
            _("--start %(value)s has no UTC offset; add one, e.g. %(example)s.")
            % {"value": text, "example": f"{start.isoformat()}+03:00"}
        )
    return start
