"""The rows of a queue table, written in Python.

A queue page shows 50 tickets of nine cells each. Through the template engine that was
some 2 ms a row (variable lookups, filters, `{% url %}`, translation tags for each
cell): most of a page's server time. Here a row is one format string, and every value
put into it is escaped first (`_e`).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from zayavka.core import dates
from zayavka.tickets.models import Ticket, Verification
from zayavka.workspace.templatetags.desk import next_deadline

ROW = (
    "<tr>"
    '<td><input type="checkbox" name="tickets" value="{pk}" aria-label="{select}"></td>'
    '<td class="num"><a href="{url}">{number}</a></td>'
    '<td class="subject"><a href="{url}">{subject}</a>{flag}</td>'
    "<td>{requester}{unverified}{organization}</td>"
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
    labels = {
        "flagged": _("flagged"),
        "select": _("Select ticket %(number)s"),
        "unverified": _("unverified"),
        "unverified_title": _("Nothing proves who sent this request"),
    }
    language = translation.get_language() or ""
    rows = "".join(_row(t, url, zone, now, labels, language) for t in tickets)
    return mark_safe(rows)  # noqa: S308 — every value in a row went through _e


def _e(value: object) -> str:
    """Escaped for HTML text and attribute values. The standard library's escape, not
    Django's: the same characters (& < > " '), without the lazy-string checks that made
    Django's the largest cost of a page of rows."""
    return escape(str(value), quote=True)


def _row(
    ticket: Ticket,
    url: str,
    zone: tzinfo,
    now: datetime,
    labels: dict[str, str],
    language: str,
) -> str:
    due = next_deadline(ticket, now=now)
    flag = ""
    if ticket.is_flagged:
        flag = (
            f' <span class="flag" title="{_e(ticket.flag_reason)}">⚑ {_e(labels["flagged"])}</span>'
        )
    assignee = (
        _e(ticket.assignee.display_name) if ticket.assignee else '<span class="muted">—</span>'
    )
    due_html = ""
    if due.due:
        local = due.due.astimezone(zone)
        when = dates.moment(local, language, year=False)
        due_html = (
            f'<time datetime="{local.isoformat()}">{when}</time><br><small>{_e(due.text)}</small>'
        )
    updated = ticket.updated_at.astimezone(zone)
    return ROW.format(
        pk=int(ticket.pk),
        select=_e(labels["select"] % {"number": ticket.display_number}),
        url=_e(url.replace(str(_NUMBER), str(int(ticket.number)))),
        number=_e(ticket.display_number),
        subject=_e(ticket.subject),
        flag=flag,
        requester=_e(ticket.requester),
        unverified=(
            f' <span class="unverified" title="{_e(labels["unverified_title"])}">'
            f"{_e(labels['unverified'])}</span>"
            if ticket.verification == Verification.NONE
            else ""
        ),
        organization=_small(ticket.organization),
        state=_e(ticket.state),
        status=_e(ticket.status),
        priority_slug=_e(ticket.priority.slug),
        priority=_e(ticket.priority),
        assignee=assignee,
        team=_small(ticket.team),
        due_state=_e(due.state),
        due=due_html,
        updated_iso=updated.isoformat(),
        updated=dates.moment(updated, language),
    )


def _small(item: object | None) -> str:
    return f"<br><small>{_e(item)}</small>" if item is not None else ""
