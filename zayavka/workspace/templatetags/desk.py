"""Template helpers of the workspace: stored (sanitised) HTML, deadlines as people read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from zayavka.tickets.models import StatusCategory, Ticket
from zayavka.workspace.queues import AT_RISK_WITHIN

register = template.Library()


@register.filter
def stored_html(html: str) -> SafeString:
    """A message's HTML as stored: sanitised once, when it was stored
    (`actions.messages.add_message`), and never again at display, which cost seconds a
    view for large HTML."""
    return mark_safe(html or "")  # noqa: S308 — only nh3's output is ever stored


@dataclass(frozen=True)
class Deadline:
    due: datetime | None
    state: str  # none, met, paused, ok, soon, overdue
    text: str


@register.simple_tag
def deadline(
    due: datetime | None,
    *,
    met_at: datetime | None = None,
    paused_since: datetime | None = None,
    now: datetime | None = None,
) -> Deadline:
    return describe_deadline(due, met_at=met_at, paused_since=paused_since, now=now)


def next_deadline(ticket: Ticket, now: datetime | None = None) -> Deadline:
    """The deadline a queue row shows: the nearest one still to meet (`next_due`)."""
    if ticket.state in (StatusCategory.RESOLVED, StatusCategory.CLOSED):
        return Deadline(None, "none", "")
    due: datetime | None = getattr(ticket, "next_due", ticket.resolution_due)
    return describe_deadline(due, paused_since=ticket.sla_paused_at, now=now)


def describe_deadline(
    due: datetime | None,
    *,
    met_at: datetime | None = None,
    paused_since: datetime | None = None,
    now: datetime | None = None,
) -> Deadline:
    """How a deadline stands: met, paused, time left, or how long ago it was missed."""
    now = now or timezone.now()
    if due is None:
        return Deadline(None, "none", "")
    if met_at is not None:
        if met_at <= due:
            return Deadline(due, "met", _("met"))
        return Deadline(due, "overdue", _("met late"))
    if paused_since is not None:
        return Deadline(due, "paused", _("paused: waiting for the requester"))
    if due < now:
        return Deadline(
            due, "overdue", _("overdue by %(time)s") % {"time": timesince(due, now, depth=2)}
        )
    state = "soon" if due - now <= AT_RISK_WITHIN else "ok"
    return Deadline(due, state, _("%(time)s left") % {"time": timeuntil(due, now, depth=2)})
