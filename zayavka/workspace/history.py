"""A ticket's history as people read it: one line per TicketEvent (R32)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from django.utils.translation import gettext as _

from zayavka.accounts.models import Team, User
from zayavka.tickets import catalog
from zayavka.tickets.models import Category, EventKind, Message, Ticket, TicketEvent
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
    category_ids: set[int] = set()
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind in {EventKind.ASSIGNED, EventKind.TAKEN}:
            user_ids.update(v for v in (data.get("assignee"), data.get("from")) if _is_id(v))
        if event.kind == EventKind.ROUTED:
            team_ids.update(v for v in (data.get("team"), data.get("from")) if _is_id(v))
        if event.kind == EventKind.FIELDS:
            category_ids.update(v for v in _forms(data) if _is_id(v))
    categories = list(Category.objects.filter(pk__in=category_ids).prefetch_related("fields"))
    names = Names(
        users={u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)},
        teams=dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")),
        categories={c.pk: c.label for c in categories},
        labels={(c.pk, f.key): f.label for c in categories for f in c.fields.all()},
    )
    return [
        Entry(
            at=event.created_at,
            kind=event.kind,
            title=_title(event),
            actor=_actor(event),
            detail=names.describe(event),
        )
        for event in events
    ]


def _title(event: TicketEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    if event.kind == EventKind.LINKED and data.get("removed"):
        return _("Link removed")
    return event.get_kind_display()


def _forms(data: dict[str, Any]) -> list[Any]:
    """The categories whose forms a FIELDS event's keys belong to, the likeliest first."""
    moved = data.get("category")
    if not isinstance(moved, dict):
        return [data.get("form")]
    return [data.get("form"), moved.get("to"), moved.get("from")]


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _actor(event: TicketEvent) -> str:
    if event.actor_user is not None:
        return event.actor_user.display_name
    if event.actor_contact is not None:
        return str(event.actor_contact)
    return _("the desk")


@dataclass(frozen=True)
class Names:
    users: dict[int, str]
    teams: dict[int, str]
    categories: dict[int, str] = field(default_factory=dict)
    labels: dict[tuple[int, str], str] = field(default_factory=dict)

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
        if kind == EventKind.FIELDS:
            return self.fields(data)
        if kind == EventKind.MESSAGE:
            return _message(data)
        if kind == EventKind.LINKED:
            return _link(data)
        if kind == EventKind.FLAGGED and "message" in data:
            if data.get("abusive"):
                return _("message marked as abusive")
            return _("abusive mark removed from a message")
        if kind == EventKind.FLAGGED and data.get("reason"):
            return str(data["reason"])
        if kind == EventKind.CREATED and data.get("number"):
            return _("number %(number)s") % {"number": data["number"]}
        return ""

    def category(self, pk: Any) -> str:
        return self.categories.get(pk, "?") if _is_id(pk) else "—"

    def fields(self, data: dict[str, Any]) -> str:
        """ "Category: A → B; Version: 1.2 → 1.3", each field by its label in the form."""
        parts: list[str] = []
        moved = data.get("category")
        if isinstance(moved, dict):
            parts.append(
                _("Category: %(old)s → %(new)s")
                % {"old": self.category(moved.get("from")), "new": self.category(moved.get("to"))}
            )
        forms = _forms(data)
        changes = data.get("fields")
        for change in changes if isinstance(changes, list) else []:
            if not isinstance(change, dict):
                continue
            key = str(change.get("key", ""))
            label = next((self.labels[(f, key)] for f in forms if (f, key) in self.labels), key)
            parts.append(
                _("%(field)s: %(old)s → %(new)s")
                % {
                    "field": label,
                    "old": _short(change.get("from")),
                    "new": _short(change.get("to")),
                }
            )
        return "; ".join(parts)


def _short(value: Any, limit: int = 80) -> str:
    """An answer as one short line: a long description would swamp the history."""
    text = " ".join(str(value or "").split())
    if not text:
        return "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        "followed_up_by": _("followed up by #%(number)s"),
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
