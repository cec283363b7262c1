"""The rows of a queue table, written in Python.

A queue page shows 50 tickets of nine cells each. Through the template engine that was
some 2 ms a row (variable lookups, filters, `{% url %}`, translation tags for each
cell): most of a page's server time. Here a row is one format string; every value from
the database still goes through `format_html`'s escaping.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from zayavka.tickets.models import Ticket
from zayavka.workspace.templatetags.desk import next_deadline, person

ROW = (
    "<tr>"
    '<td><input type="checkbox" name="tickets" value="{pk}" aria-label="{select}"></td>'
    '<td class="num"><a href="{url}">{number}</a></td>'
    '<td class="subject"><a href="{url}">{subject}</a>{flag}</td>'
    "<td>{requester}{organization}</td>"
    '<td><span class="badge state-{state}">{status}</span></td>'
    '<td><span class="prio prio-{priority_slug}">{priority}</span></td>'
    "<td>{assignee}{team}</td>"
    '<td class="due due-{due_state}">{due}</td>'
    '<td><time datetime="{updated_iso}">{updated}</time></td>'
    "</tr>"
)
# The ticket's address, with the number put in per row: reversing one URL a row costs
# more than the rest of the row.
_NUMBER = 987654321


def ticket_rows(tickets: list[Ticket]) -> SafeString:
    """The <tr> rows of `tickets` (status, priority, people and teams already loaded),
    with times in the current time zone and texts in the current language."""
    url = reverse("workspace:ticket", args=[_NUMBER])
    zone = timezone.get_current_timezone()
    now = timezone.now()
    return mark_safe("".join(_row(t, url, zone, now) for t in tickets))  # noqa: S308


def _row(ticket: Ticket, url: str, zone: tzinfo, now: datetime) -> str:
    due = next_deadline(ticket, now=now)
    flag = ""
    if ticket.is_flagged:
        flag = format_html(
            ' <span class="flag" title="{}">⚑ {}</span>', ticket.flag_reason, _("flagged")
        )
    return format_html(
        ROW,
        pk=ticket.pk,
        select=_("Select ticket %(number)s") % {"number": ticket.display_number},
        url=url.replace(str(_NUMBER), str(ticket.number)),
        number=ticket.display_number,
        subject=ticket.subject,
        flag=flag,
        requester=str(ticket.requester),
        organization=_small(ticket.organization),
        state=ticket.state,
        status=str(ticket.status),
        priority_slug=ticket.priority.slug,
        priority=str(ticket.priority),
        assignee=(
            person(ticket.assignee)
            if ticket.assignee
            else mark_safe('<span class="muted">—</span>')
        ),
        team=_small(ticket.team),
        due_state=due.state,
        due=(
            format_html(
                '<time datetime="{}">{}</time><br><small>{}</small>',
                due.due.astimezone(zone).isoformat(),
                f"{due.due.astimezone(zone):%d.%m %H:%M}",
                due.text,
            )
            if due.due
            else ""
        ),
        updated_iso=ticket.updated_at.astimezone(zone).isoformat(),
        updated=f"{ticket.updated_at.astimezone(zone):%d.%m.%Y %H:%M}",
    )


def _small(item: object | None) -> str:
    return format_html("<br><small>{}</small>", item) if item is not None else ""
