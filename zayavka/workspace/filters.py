"""The filters of a queue page: GET parameters, validated by a form, turned into a query."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Channel, Contract, Organization, Team, User
from zayavka.tickets import access
from zayavka.tickets.access import AnyUser
from zayavka.tickets.models import Category, Priority, Status, Ticket
from zayavka.workspace import search
from zayavka.workspace.pagination import SORTS

NOBODY = "none"


def agent_users() -> QuerySet[User]:
    """Everyone a ticket may be assigned to: the desk's active agents."""
    return User.objects.filter(agent__isnull=False, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def user_label(user: User) -> str:
    return user.get_full_name() or user.get_username()


class FilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Number, words, requester's name or email")}
        ),
    )
    status = forms.ModelChoiceField(
        label=_("Status"),
        queryset=Status.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("any"),
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"),
        queryset=Priority.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("any"),
    )
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label=_("any"),
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"),
        queryset=Contract.objects.select_related("organization"),
        required=False,
        empty_label=_("any"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("any"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("any")), *Channel.choices]
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("any")
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = access.visible_teams(user)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = [
            ("", _("anyone")),
            (NOBODY, _("nobody")),
            *((str(u.pk), user_label(u)) for u in agent_users()),
        ]
        sort = self.fields["sort"]
        assert isinstance(sort, forms.ChoiceField)
        sort.choices = [("", _("default"))] + [
            (code, f"{s.label} {'↓' if s.descending else '↑'}") for code, s in SORTS.items()
        ]

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
        for name in ("status", "priority", "organization", "contract", "category", "team"):
            if data.get(name) is not None:
                condition &= Q(**{name: data[name]})
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
        ids = search.matching_ticket_ids(data.get("q") or "")
        if ids is not None:
            tickets = search.restrict_to(tickets, ids)
        return tickets

    @property
    def is_narrowed(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return any(v not in (None, "") for k, v in data.items() if k != "sort")


def _start_of(day: date) -> datetime:
    """Midnight of `day` in the viewer's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())
