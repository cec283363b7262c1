"""Forms of the ticket page and of the bulk actions: they parse, the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Team, User
from zayavka.tickets import access
from zayavka.tickets.access import AnyUser
from zayavka.tickets.forms import FIELD_PREFIX, CategoryAnswersForm
from zayavka.tickets.models import Category, Priority, Status, Ticket
from zayavka.tickets.policy import default_policy
from zayavka.tickets.uploads import (
    MAX_TEXT,
    Upload,
    check_files,
    describe_uploads,
    max_total_bytes,
    read_uploads,
)
from zayavka.workspace import options
from zayavka.workspace.widgets import FastSelect


class AgentChoiceField(forms.ModelChoiceField):
    """Agents by their names."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class MessageForm(forms.Form):
    """A reply to the requester or an internal note, with files (read by `uploads`)."""

    text = forms.CharField(
        label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )
    then_status = forms.ModelChoiceField(
        label=_("Then set status"),
        queryset=Status.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("as it is"),
    )

    def __init__(self, *args: Any, files_list: list[UploadedFile] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.files_list = files_list or []
        draw_from_cache(self, {"then_status": [("", _("as it is")), *status_choices()]})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            check_files(
                describe_uploads(self.files_list), default_policy(), max_total=max_total_bytes()
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    def uploads(self) -> list[Upload]:
        """The attached files, read once the limits were checked by is_valid()."""
        return read_uploads(self.files_list)


class StatusForm(forms.Form):
    status = forms.ModelChoiceField(
        label=_("Status"), queryset=Status.objects.all(), to_field_name="slug"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        draw_from_cache(self, {"status": [BLANK, *status_choices()]})


class PriorityForm(forms.Form):
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.all(), to_field_name="slug"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        draw_from_cache(self, {"priority": [BLANK, *priority_choices()]})


class CategoryForm(forms.Form):
    """The ticket's category and the answers to its form, posted as `field-<key>`
    (`tickets.forms.CategoryAnswersForm`, as on the phone form).

    A field that was not posted keeps the ticket's answer: after switching the category
    without JavaScript, the new form's fields the old one also had keep their values.
    The answers are checked by the answers form; `cleaned_data["answers"]` holds them.
    """

    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"category": ticket.category_id})
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self._answers: CategoryAnswersForm | None = None
        active = models.Q(is_active=True) | models.Q(pk=ticket.category_id)
        _set_queryset(self.fields["category"], Category.objects.filter(active))

    def chosen(self) -> Category | None:
        """The category whose fields the form shows: the posted one once valid."""
        if self.is_bound and hasattr(self, "cleaned_data") and "category" in self.cleaned_data:
            chosen: Category | None = self.cleaned_data["category"]
            return chosen
        return self.ticket.category

    def values(self) -> dict[str, str]:
        """What each field holds: the ticket's answers, overridden by what was posted."""
        stored = self.ticket.fields if isinstance(self.ticket.fields, dict) else {}
        values = {key: str(value) for key, value in stored.items()}
        if self.is_bound:
            values.update(
                (name.removeprefix(FIELD_PREFIX), str(self.data.get(name, "")))
                for name in self.data
                if name.startswith(FIELD_PREFIX)
            )
        return values

    def answers_form(self) -> CategoryAnswersForm:
        """The chosen category's form, holding `values()`; the one `clean` checked."""
        if self._answers is None:
            if self.is_bound:
                posted = {FIELD_PREFIX + key: value for key, value in self.values().items()}
                self._answers = CategoryAnswersForm(self.chosen(), posted)
            else:
                self._answers = CategoryAnswersForm(self.chosen(), initial=self.values())
        return self._answers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "category" in data:
            answers = self.answers_form()
            if answers.is_valid():
                data["answers"] = answers.cleaned_data
            else:
                self.add_error(None, _("Fill in the fields as marked."))
        return data


class AssignForm(forms.Form):
    """Put the ticket on an agent, in a team's queue, or both."""

    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("keep")
    )
    agent = AgentChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False, empty_label=_("nobody")
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self.fields["team"], access.visible_teams(user))
        _set_queryset(self.fields["agent"], options.agent_users())
        draw_from_cache(
            self,
            {"team": [("", _("keep")), *team_choices(user)], "agent": agent_choices()},
        )


class UpdateForm(forms.Form):
    """The ticket page's one update panel: a reply (optional) with its files, and the
    status, priority, team and assignee, sent together. A field left as the ticket has
    it changes nothing; the reply's text and files are posted as `reply-text` and
    `reply-files`, as the reply form's were (the shortcuts and canned responses use them)."""

    text = forms.CharField(
        label=_("Reply to the requester"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    status = forms.ModelChoiceField(
        label=_("Status"), queryset=Status.objects.all(), to_field_name="slug"
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.all(), to_field_name="slug"
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("keep")
    )
    agent = AgentChoiceField(
        label=_("Assignee"), queryset=User.objects.none(), required=False, empty_label=_("nobody")
    )

    def __init__(
        self, *args: Any, user: AnyUser, files_list: list[UploadedFile] | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.files_list = files_list or []
        _set_queryset(self.fields["team"], access.visible_teams(user))
        _set_queryset(self.fields["agent"], options.agent_users())
        draw_from_cache(
            self,
            {
                "status": [BLANK, *status_choices()],
                "priority": [BLANK, *priority_choices()],
                "team": [("", _("keep")), *team_choices(user)],
                "agent": agent_choices(),
            },
        )

    def add_prefix(self, field_name: str) -> str:
        # The text keeps the reply form's name; the other fields their own.
        return "reply-text" if field_name == "text" else field_name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.files_list and not str(data.get("text") or "").strip():
            self.add_error("text", _("Files go with a reply: write it."))
        try:
            check_files(
                describe_uploads(self.files_list), default_policy(), max_total=max_total_bytes()
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    def uploads(self) -> list[Upload]:
        """The attached files, read once the limits were checked by is_valid()."""
        return read_uploads(self.files_list)


class BulkForm(forms.Form):
    """One change to many tickets picked in a queue."""

    ACTIONS = [
        ("status", _("Set status")),
        ("priority", _("Set priority")),
        ("assign", _("Assign to agent")),
        ("team", _("Move to team")),
    ]

    tickets = forms.ModelMultipleChoiceField(
        label=_("Tickets"),
        queryset=Ticket.objects.none(),
        error_messages={
            "required": _("Pick at least one ticket."),
        },
    )
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    status = forms.ModelChoiceField(
        label=_("Status"), queryset=Status.objects.all(), to_field_name="slug", required=False
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.all(), to_field_name="slug", required=False
    )
    agent = AgentChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False, empty_label=_("nobody")
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only tickets the agent may work on can be picked: others fail validation.
        _set_queryset(self.fields["tickets"], access.agent_tickets(user).order_by())
        _set_queryset(self.fields["agent"], options.agent_users())
        _set_queryset(self.fields["team"], access.visible_teams(user))
        draw_from_cache(
            self,
            {
                "status": [BLANK, *status_choices()],
                "priority": [BLANK, *priority_choices()],
                "agent": agent_choices(),
                "team": [BLANK, *team_choices(user)],
            },
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action in {"status", "priority", "team"} and data.get(action) is None:
            self.add_error(action, _("Choose the new value."))
        return data


# Selects of models drawn from the cached option lists (workspace.options): the queue and
# ticket pages show them on every request. What is submitted is still checked against
# each field's queryset.
BLANK = ("", "---------")


def status_choices() -> options.Choices:
    return [(s.slug, str(s)) for s in options.statuses()]


def priority_choices() -> options.Choices:
    return [(p.slug, str(p)) for p in options.priorities()]


def team_choices(user: AnyUser) -> options.Choices:
    return [(str(t.pk), str(t)) for t in options.visible_teams(user)]


def agent_choices() -> options.Choices:
    return [("", _("nobody")), *((str(u.pk), u.display_name) for u in options.agents())]


def draw_from_cache(form: forms.Form, lists: dict[str, options.Choices]) -> None:
    for name, choices in lists.items():
        field = form.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.widget = FastSelect(choices=choices)


def _set_queryset(field: forms.Field, queryset: QuerySet[Any]) -> None:
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
