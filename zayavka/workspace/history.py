"""A ticket's history as people read it: one line per TicketEvent (R32)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from django.utils.translation import gettext as _

from zayavka.accounts.models import Team, User
from zayavka.tickets import catalog
from zayavka.tickets.models import EventKind, Message, Ticket, TicketEvent
from zayavka.tickets.models.ticket import format_ticket_number


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    title: str
    actor: str
    detail: str


def history(ticket: Ticket) -> list[Entry]:
    """Every event of the ticket, oldest first, with names instead of ids."""
    events = list(
        ticket.events.select_related("actor_user", "actor_contact").order_by("created_at", "pk")
    )
    user_ids: set[int] = set()
    team_ids: set[int] = set()
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind in {EventKind.ASSIGNED, EventKind.TAKEN}:
            user_ids.update(v for v in (data.get("assignee"), data.get("from")) if _is_id(v))
        if event.kind == EventKind.ROUTED:
            team_ids.update(v for v in (data.get("team"), data.get("from")) if _is_id(v))
    names = Names(
        users={
            u.pk: u.get_full_name() or u.get_username()
            for u in User.objects.filter(pk__in=user_ids)
        },
        teams=dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")),
    )
    return [
        Entry(
            at=event.created_at,
            kind=event.kind,
            title=event.get_kind_display(),
            actor=_actor(event),
            detail=names.describe(event),
        )
        for event in events
    ]


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _actor(event: TicketEvent) -> str:
    if event.actor_user is not None:
        return event.actor_user.get_full_name() or event.actor_user.get_username()
    if event.actor_contact is not None:
        return str(event.actor_contact)
    return _("the desk")


@dataclass(frozen=True)
class Names:
    users: dict[int, str]
    teams: dict[int, str]

    def user(self, pk: Any) -> str:
        return self.users.get(pk, "?") if _is_id(pk) else _("nobody")

    def team(self, pk: Any) -> str:
        return self.teams.get(pk, "?") if _is_id(pk) else _("no team")

    def describe(self, event: TicketEvent) -> str:
        data: dict[str, Any] = event.data if isinstance(event.data, dict) else {}
        kind = event.kind
        if kind in {EventKind.STATUS, EventKind.REOPENED}:
            labels = {s.slug: s.label for s in catalog.statuses()}
            text = _("%(old)s → %(new)s") % {
                "old": labels.get(data.get("from", ""), data.get("from", "")),
                "new": labels.get(data.get("to", ""), data.get("to", "")),
            }
            return _with_reason(text, data)
        if kind == EventKind.PRIORITY:
            labels = {p.slug: p.label for p in catalog.priorities()}
            return _("%(old)s → %(new)s") % {
                "old": labels.get(data.get("from", ""), data.get("from", "")),
                "new": labels.get(data.get("to", ""), data.get("to", "")),
            }
        if kind in {EventKind.ASSIGNED, EventKind.TAKEN}:
            return _("%(old)s → %(new)s") % {
                "old": self.user(data.get("from")),
                "new": self.user(data.get("assignee")),
            }
        if kind == EventKind.ROUTED:
            new = data.get("team_name") or self.team(data.get("team"))
            text = _("%(old)s → %(new)s") % {"old": self.team(data.get("from")), "new": new}
            if data.get("rule"):
                text += " " + _("(rule «%(rule)s»)") % {"rule": data["rule"]}
            return text
        if kind == EventKind.MESSAGE:
            return _message(data)
        if kind == EventKind.LINKED:
            return _link(data)
        if kind == EventKind.FLAGGED and "message" in data:
            if data.get("abusive"):
                return _("message marked as abusive")
            return _("abusive mark removed from a message")
        if kind == EventKind.CREATED and data.get("number"):
            return _("number %(number)s") % {"number": data["number"]}
        return ""


def _message(data: dict[str, Any]) -> str:
    kind = data.get("kind", "")
    if kind == Message.Kind.NOTE:
        text = _("internal note")
    elif kind == Message.Kind.SYSTEM:
        text = _("system message")
    elif data.get("direction") == Message.Direction.INBOUND:
        text = _("from the requester")
    else:
        text = _("reply to the requester")
    count = data.get("attachments")
    if _is_id(count) and count:
        text += ", " + _("files: %(count)d") % {"count": count}
    return text


def _link(data: dict[str, Any]) -> str:
    raw = data.get("ticket")
    number = format_ticket_number(raw) if _is_id(raw) else "?"
    kind = data.get("relation") or data.get("kind", "")
    label = {
        "merged": _("merged into #%(number)s"),
        "merged_from": _("ticket #%(number)s merged into this one"),
        "related": _("related to #%(number)s"),
        "parent": _("parent of #%(number)s"),
        "child": _("child of #%(number)s"),
        "follow_up": _("follow-up of #%(number)s"),
    }.get(kind, "#%(number)s")
    return label % {"number": number}


def _with_reason(text: str, data: dict[str, Any]) -> str:
    reason = data.get("reason")
    if reason == "auto_close":
        return text + " " + _("(closed automatically: no reply from the requester)")
    if reason == "merged":
        return text + " " + _("(merged into another ticket)")
    if reason == "no_reply":
        return text + " " + _("(closed without a reply)")
    return text
