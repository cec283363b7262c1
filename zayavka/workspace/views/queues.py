"""Queue pages: filters, search, sorting, keyset pages; and bulk changes of picked rows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from zayavka.accounts.models import Channel, Contact, Organization, Team, User
from zayavka.tickets.actions import assignment
from zayavka.tickets.actions import tickets as ticket_actions
from zayavka.tickets.models import Priority, Status, Ticket
from zayavka.workspace import options
from zayavka.workspace.auth import agent_required
from zayavka.workspace.filters import FilterForm
from zayavka.workspace.forms import BulkForm
from zayavka.workspace.pagination import SORTS, Cursor, Page, Sort, keyset_page
from zayavka.workspace.queues import BY_SLUG, queue_tickets
from zayavka.workspace.rows import ticket_rows
from zayavka.workspace.views.common import is_htmx, nav_context, safe_next

SORTABLE_COLUMNS = ("number", "deadline", "updated", "created")


@agent_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("workspace:queue", slug="mine")


@agent_required
@require_GET
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    current = BY_SLUG.get(slug)
    if current is None:
        raise Http404("no such queue")
    form = FilterForm(request.GET or None, user=request.user)
    form.is_valid()
    tickets = form.filter(queue_tickets(slug, request.user, timezone.now()))
    chosen = form.cleaned_data.get("sort") if form.is_bound else ""
    sort = SORTS[chosen or current.default_sort]
    page = _page(request, tickets, sort)
    context = {
        "queue": current,
        "form": form,
        "page": page,
        "rows": ticket_rows(page.rows),
        "sort": sort,
        "headers": _sort_headers(sort.code),
        "bulk": BulkForm(user=request.user, auto_id="bulk-%s"),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "results":
        return render(request, "workspace/queue.html#results", context)
    return render(request, "workspace/queue.html", {**context, **nav_context(request, slug)})


def _page(request: HttpRequest, tickets: QuerySet[Ticket], sort: Sort) -> Page:
    """The page the request asks for (`after` or `before` a cursor), its rows loaded."""
    before = Cursor.decode(request.GET.get("before", ""), sort)
    if before is not None:
        page = keyset_page(tickets, sort, before, backward=True)
        if not page.rows:  # what was before is gone: start again
            page = keyset_page(tickets, sort, None)
    else:
        page = keyset_page(tickets, sort, Cursor.decode(request.GET.get("after", ""), sort))
    _load_related(page.rows)
    return page


def _load_related(rows: list[Ticket]) -> None:
    """What a row shows. Statuses, priorities and teams come from the cached option
    lists (a row made in another process a moment ago may name one not cached yet);
    the people are read by primary key, after the page: joining six tables into the
    page's query costs PostgreSQL more to plan (some 10 ms) than these lookups take."""
    cached: dict[str, dict[int, Any]] = {
        "status": {s.pk: s for s in options.statuses()},
        "priority": {p.pk: p for p in options.priorities()},
        "team": {t.pk: t for t in options.teams()},
    }
    models: dict[str, type[Model]] = {
        "status": Status,
        "priority": Priority,
        "team": Team,
        "requester": Contact,
        "organization": Organization,
        "assignee": User,
    }
    for field, model in models.items():
        found = cached.get(field, {})
        missing = {getattr(row, f"{field}_id") for row in rows} - {None} - found.keys()
        if missing:
            found = {**found, **model._default_manager.in_bulk(missing)}
        for row in rows:
            value = getattr(row, f"{field}_id")
            if value is not None:
                setattr(row, field, found[value])


@agent_required
@require_GET
def counts(request: HttpRequest) -> HttpResponse:
    """The queue navigation with its counts: the pages load it after they are shown."""
    current = request.GET.get("current", "")
    context = nav_context(request, current if current in BY_SLUG else "", with_counts=True)
    return render(request, "workspace/base.html#queue-nav", context)


def _sort_headers(current: str) -> dict[str, dict[str, str]]:
    """For each sortable column: the sort its header link asks for, and aria-sort."""
    headers = {}
    for code in SORTABLE_COLUMNS:
        if current == code:
            headers[code] = {"link": f"-{code}", "aria": "ascending"}
        elif current == f"-{code}":
            headers[code] = {"link": code, "aria": "descending"}
        else:
            default = code if code == "deadline" else f"-{code}"
            headers[code] = {"link": default, "aria": "none"}
    return headers


@agent_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Apply one change to every picked ticket the agent may work on."""
    back = safe_next(request, reverse("workspace:home"))
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(back)
    assert isinstance(request.user, User)
    data = form.cleaned_data
    done, refused = 0, []
    tickets = data["tickets"].select_related("status", "priority", "team")
    for ticket in tickets.order_by("number"):
        try:
            _apply(ticket, request.user, data)
            done += 1
        except (PermissionDenied, ValueError):
            refused.append(ticket.display_number)
    if done:
        messages.success(
            request,
            ngettext("%(count)d ticket changed.", "%(count)d tickets changed.", done)
            % {"count": done},
        )
    if refused:
        messages.error(
            request,
            _("Not changed (the agent may not work on them): %(numbers)s")
            % {"numbers": ", ".join(refused)},
        )
    return HttpResponseRedirect(back)


def _apply(ticket: Ticket, user: User, data: dict[str, Any]) -> None:
    """One ticket's change; the action locks the ticket and checks the agent may."""
    match data["action"]:
        case "status":
            ticket_actions.change_status(
                ticket, data["status"], actor_user=user, channel=Channel.AGENT
            )
        case "priority":
            ticket_actions.change_priority(
                ticket, data["priority"], actor_user=user, channel=Channel.AGENT
            )
        case "assign":
            assignment.assign_ticket(ticket, agent=data["agent"], by=user)
        case "team":
            assignment.assign_ticket(ticket, team=data["team"], by=user)
