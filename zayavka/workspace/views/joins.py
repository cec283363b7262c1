"""Requests of portal users to join an organization (R19), decided by the desk.

A company's managers decide on their portal page; this page is for the requests of
companies without a manager on the portal, or when the client asks the desk."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zayavka.accounts.models import ContactAddress, User
from zayavka.portal import membership
from zayavka.portal.models import JoinRequest
from zayavka.workspace.auth import agent_required
from zayavka.workspace.views.common import nav_context

# The page lists the oldest first; more than this many waiting means a backlog, and
# the admin can filter the rest.
SHOWN = 200
DECISIONS = {"approve": True, "reject": False}


def _emails(contact_ids: list[int]) -> dict[int, str]:
    """Each contact's primary email, in one query rather than one per row."""
    found: dict[int, str] = {}
    rows = (
        ContactAddress.objects.filter(contact_id__in=contact_ids, kind=ContactAddress.Kind.EMAIL)
        .order_by("-is_primary", "pk")
        .values_list("contact_id", "value")
    )
    for contact_id, value in rows:
        found.setdefault(contact_id, value)
    return found


@agent_required
@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    items = list(
        JoinRequest.objects.filter(state=JoinRequest.State.PENDING)
        .select_related("contact", "organization")
        .order_by("created_at", "pk")[: SHOWN + 1]
    )
    emails = _emails([item.contact_id for item in items])
    rows = [{"item": item, "email": emails.get(item.contact_id, "")} for item in items[:SHOWN]]
    return render(
        request,
        "workspace/joins.html",
        {**nav_context(request), "rows": rows, "more": len(items) > SHOWN},
    )


@agent_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (the contact joins the organization) or reject one pending request."""
    approve = DECISIONS.get(request.POST.get("decision", ""))
    if approve is None:
        return HttpResponseBadRequest("decision must be approve or reject")
    item = (
        JoinRequest.objects.filter(pk=pk, state=JoinRequest.State.PENDING)
        .select_related("contact", "organization")
        .first()
    )
    if item is None:
        raise Http404("no such pending request")
    assert isinstance(request.user, User)
    membership.decide(item, approve=approve, by=request.user)
    names = {"contact": item.contact, "organization": item.organization}
    if approve:
        messages.success(request, _("%(contact)s joined %(organization)s.") % names)
    else:
        messages.info(
            request, _("The request of %(contact)s to join %(organization)s is rejected.") % names
        )
    return redirect("workspace:joins")
