"""The ticket page's one update panel: a reply and the status, priority, team and
assignee in one submit, applied together or not at all."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zayavka.accounts.models import Channel, User
from zayavka.tickets import notifications
from zayavka.tickets.actions import assignment
from zayavka.tickets.actions import messages as thread
from zayavka.tickets.actions import tickets as ticket_actions
from zayavka.workspace.auth import agent_required
from zayavka.workspace.forms import UpdateForm
from zayavka.workspace.views.tickets import _done, _load, _render


class _Refused(Exception):
    """One of the changes was refused: nothing of the update is kept."""


@agent_required
@require_POST
def update(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _load(request, number, write=True)
    assert isinstance(request.user, User)
    form = UpdateForm(
        request.POST, user=request.user, files_list=request.FILES.getlist("reply-files")
    )
    if not form.is_valid():
        return _render(request, ticket, invalid=True, update_form=form)
    data = form.cleaned_data
    text = str(data["text"] or "").strip()
    status = data["status"] if data["status"].pk != ticket.status_id else None
    team = data["team"]
    agent = data["agent"]
    reassign = (team is not None and team.pk != ticket.team_id) or (
        (agent.pk if agent else None) != ticket.assignee_id
    )
    done: list[str] = []
    try:
        with transaction.atomic():
            if data["priority"].pk != ticket.priority_id:
                ticket_actions.change_priority(
                    ticket, data["priority"], actor_user=request.user, channel=Channel.AGENT
                )
                done.append(_("Priority changed."))
            if reassign:
                try:
                    assignment.assign_ticket(ticket, agent=agent, team=team, by=request.user)
                except (ValueError, PermissionDenied) as exc:
                    form.add_error("agent", _("This agent may not work on tickets of that team."))
                    raise _Refused from exc
                done.append(_("Assignment changed."))
            if text:
                try:
                    thread.reply_to_requester(
                        ticket, request.user, text, form.uploads(), then_status=status
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                    raise _Refused from exc
                done.append(_("Reply sent."))
                if not notifications.requester_reachable(ticket):
                    messages.warning(
                        request, _("The requester has no email address: the reply was not sent.")
                    )
            elif status is not None:
                ticket_actions.change_status(
                    ticket, status, actor_user=request.user, channel=Channel.AGENT
                )
                done.append(_("Status changed."))
    except _Refused:
        ticket.refresh_from_db()
        return _render(request, ticket, invalid=True, update_form=form)
    return _done(request, ticket, " ".join(done) or _("Nothing to change."))
