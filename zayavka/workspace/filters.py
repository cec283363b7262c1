"""The filters of a queue page: GET parameters, validated by a form, turned into a query."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Channel
from zayavka.tickets.access import AnyUser
from zayavka.tickets.models import Ticket
from zayavka.workspace import options, search
from zayavka.workspace.options import Choices
from zayavka.workspace.pagination import SORTS
from zayavka.workspace.widgets import FastSelect

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

NOBODY = "none"


def _select(label: StrOrPromise) -> forms.ChoiceField:
    """A filter's select; its choices are set per request from the cached option lists."""
    return forms.ChoiceField(label=label, required=False, widget=FastSelect)


class FilterForm(forms.Form):
    """Every field is a plain choice of ids or codes from `options` (no query to render
    or to validate); `filter` turns them into conditions on the ticket's own columns."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Number, words, requester's name or email")}
        ),
    )
    status = _select(_("Status"))
    priority = _select(_("Priority"))
    organization = _select(_("Organization"))
    contract = _select(_("Contract"))
    category = _select(_("Category"))
    channel = _select(_("Channel"))
    assignee = _select(_("Assignee"))
    team = _select(_("Team"))
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = _select(_("Sort by"))

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._user = user
        lists: dict[str, Choices] = {
            "status": options.labelled(options.statuses(), lambda s: s.slug),
            "priority": options.labelled(options.priorities(), lambda p: p.slug),
            "organization": [
                options.ANY,
                *((str(pk), name) for pk, name in options.organizations()),
            ],
            "contract": [options.ANY, *((str(pk), name) for pk, name in options.contracts())],
            "category": options.labelled(options.categories(), lambda c: c.slug),
            "channel": [options.ANY, *Channel.choices],
            "assignee": [
                ("", _("anyone")),
                (NOBODY, _("nobody")),
                *((str(u.pk), u.display_name) for u in options.agents()),
            ],
            "team": options.labelled(options.visible_teams(user), lambda t: t.pk),
            "sort": [("", _("default"))]
            + [(code, f"{s.label} {'↓' if s.descending else '↑'}") for code, s in SORTS.items()],
        }
        for name, choices in lists.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end of the range is before its start."))
        return data

    def filter(self, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """`tickets` narrowed by every valid filter; invalid ones are left out (and the
        form shows why)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        condition = Q()
        for name, rows in (
            ("status", options.statuses()),
            ("priority", options.priorities()),
            ("category", options.categories()),
        ):
            if data.get(name):
                pk = next((row.pk for row in rows if row.slug == data[name]), 0)
                condition &= Q(**{f"{name}_id": pk})
        for name in ("organization", "contract", "team"):
            if data.get(name):
                condition &= Q(**{f"{name}_id": int(data[name])})
        if data.get("channel"):
            condition &= Q(channel=data["channel"])
        if data.get("assignee") == NOBODY:
            condition &= Q(assignee__isnull=True)
        elif data.get("assignee"):
            condition &= Q(assignee_id=int(data["assignee"]))
        if data.get("created_from"):
            condition &= Q(created_at__gte=_start_of(data["created_from"]))
        if data.get("created_to"):
            condition &= Q(created_at__lt=_start_of(data["created_to"] + timedelta(days=1)))
        tickets = tickets.filter(condition)
        found = search.ticket_condition(data.get("q") or "")
        if found is not None:
            tickets = tickets.filter(found)
        return tickets

    @property
    def is_narrowed(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return any(v not in (None, "") for k, v in data.items() if k != "sort")


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the viewer's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
