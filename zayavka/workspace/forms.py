"""Forms of the ticket page and of the bulk actions: they parse, the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Team, User
from zayavka.tickets import access, replies
from zayavka.tickets.access import AnyUser
from zayavka.tickets.models import Priority, Status, Ticket
from zayavka.workspace.filters import agent_users, user_label


class AgentChoiceField(forms.ModelChoiceField):
    """Agents by their names."""

    def label_from_instance(self, obj: Any) -> str:
        return user_label(obj)


class MessageForm(forms.Form):
    """A reply to the requester or an internal note, with files (read by `uploads`)."""

    text = forms.CharField(
        label=_("Text"), max_length=replies.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            replies.check_uploads([(f.name or "", f.size or 0) for f in self.files_list])
        except ValidationError as exc:
            self.add_error(None, exc)
        return data

    def uploads(self) -> list[replies.Upload]:
        """The attached files, read once the limits were checked by is_valid()."""
        return [
            replies.Upload(
                filename=f.name or "",
                content_type=f.content_type or "",
                content=f.read(),
            )
            for f in self.files_list
        ]


class StatusForm(forms.Form):
    status = forms.ModelChoiceField(
        label=_("Status"), queryset=Status.objects.all(), to_field_name="slug"
    )


class PriorityForm(forms.Form):
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.all(), to_field_name="slug"
    )


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
        _set_queryset(self.fields["agent"], agent_users())


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
        _set_queryset(self.fields["agent"], agent_users())
        _set_queryset(self.fields["team"], access.visible_teams(user))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action in {"status", "priority", "team"} and data.get(action) is None:
            self.add_error(action, _("Choose the new value."))
        return data


def _set_queryset(field: forms.Field, queryset: QuerySet[Any]) -> None:
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset
