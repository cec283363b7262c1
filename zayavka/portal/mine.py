"""My requests (R5, R14, R18, R19): the tickets a client's person may see, their public
thread, replies, «problem solved», reopening and the rating. Who sees what is decided
once, by `access.contact_tickets`; a ticket one may not see is a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zayavka.accounts.models import Channel, Contact, User
from zayavka.channels.web.receive import effective_policy, file_reply
from zayavka.channels.web.tokens import new_form_token
from zayavka.core.downloads import attachment_response
from zayavka.portal import membership
from zayavka.portal.badlinks import Link, bad_link
from zayavka.portal.forms import RatingForm, ReplyForm, StatusFilterForm
from zayavka.tickets import access, tokens
from zayavka.tickets.actions import lifecycle
from zayavka.tickets.models import (
    Attachment,
    Message,
    StatusCategory,
    Ticket,
    TicketRating,
)
from zayavka.tickets.uploads import check_files, describe_uploads

PAGE_SIZE = 50


def _contact(request: HttpRequest) -> Contact:
    contact = (
        Contact.objects.filter(user_id=request.user.pk or 0).select_related("organization").first()
    )
    if contact is None:
        raise Http404("no client account")
    return contact


def _ticket(request: HttpRequest, number: int) -> Ticket:
    ticket = (
        access.contact_tickets(request.user)
        .filter(number=number)
        .select_related("status", "requester", "organization", "contract")
        .first()
    )
    if ticket is None:
        raise Http404("no such ticket")
    return ticket


def _public_thread(ticket: Ticket) -> QuerySet[Message]:
    return (
        ticket.messages.filter(kind=Message.Kind.REPLY)
        .select_related("author_contact", "author_user")
        .prefetch_related("attachments")
    )


@login_required(login_url="portal:login")
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    contact = _contact(request)
    tickets = access.contact_tickets(request.user).select_related("status", "requester")
    people: list[Contact] = []
    if contact.role == Contact.Role.MANAGER and contact.organization_id is not None:
        people = list(Contact.objects.filter(organization_id=contact.organization_id))
    filters = StatusFilterForm(request.GET or None, people=people)
    if filters.is_valid():
        if filters.cleaned_data.get("status"):
            tickets = tickets.filter(state=filters.cleaned_data["status"])
        if filters.cleaned_data.get("requester"):
            tickets = tickets.filter(requester_id=filters.cleaned_data["requester"])
    page = Paginator(tickets.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/list.html",
        {
            "contact": contact,
            "page": page,
            "filters": filters,
            "is_manager": bool(people),
            "pending": membership.pending_for(contact),
        },
    )


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    contact = _contact(request)
    rating = None
    rating_form = None
    if ticket.state == StatusCategory.RESOLVED and ticket.resolved_at is not None:
        rating = TicketRating.objects.filter(ticket=ticket, resolved_at=ticket.resolved_at).first()
        if ticket.requester_id == contact.pk:
            initial = {"score": rating.score, "comment": rating.comment} if rating else {}
            rating_form = RatingForm(initial=initial)
    return render(
        request,
        "portal/ticket.html",
        {
            "ticket": ticket,
            "thread": _public_thread(ticket),
            "reply_form": reply_form or ReplyForm(initial={"token": new_form_token()}),
            "rating": rating,
            "rating_form": rating_form,
            "can_solve": ticket.state
            in {StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.PENDING},
            "can_reopen": ticket.state == StatusCategory.RESOLVED,
        },
        status=status,
    )


@login_required(login_url="portal:login")
@require_GET
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    return _ticket_page(request, _ticket(request, number))


@login_required(login_url="portal:login")
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket(request, number)
    contact = _contact(request)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _ticket_page(request, ticket, reply_form=form, status=400)
    files = form.cleaned_data["attachments"]
    try:
        check_files(
            describe_uploads(files), effective_policy(contact, contact.email, Channel.PORTAL)
        )
    except ValidationError as problems:
        form.add_error("attachments", problems)
        return _ticket_page(request, ticket, reply_form=form, status=400)
    result = file_reply(
        ticket=ticket,
        contact=contact,
        token=form.cleaned_data["token"],
        text=form.cleaned_data["text"],
        files=files,
    )
    target = result.ticket_number or ticket.number
    return redirect("portal:ticket", number=target)


@login_required(login_url="portal:login")
@require_POST
def solve(request: HttpRequest, number: int) -> HttpResponse:
    """«Problem solved»: the requester resolves the ticket themselves."""
    lifecycle.resolve_as_requester(_ticket(request, number), _contact(request))
    return redirect("portal:ticket", number=number)


@login_required(login_url="portal:login")
@require_POST
def reopen(request: HttpRequest, number: int) -> HttpResponse:
    """The resolution did not help: the requester opens the ticket again."""
    lifecycle.reopen_as_requester(_ticket(request, number), _contact(request))
    return redirect("portal:ticket", number=number)


@login_required(login_url="portal:login")
@require_POST
def rate(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket(request, number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.rate_as_requester(
                ticket, _contact(request), form.cleaned_data["score"], form.cleaned_data["comment"]
            )
        except (PermissionDenied, ValueError) as exc:
            raise Http404("nothing to rate") from exc
    return redirect("portal:ticket", number=number)


@login_required(login_url="portal:login")
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A file of the public thread; never a withheld one, never one of an internal note."""
    found = (
        Attachment.objects.visible()
        .filter(
            pk=pk,
            message__kind=Message.Kind.REPLY,
            ticket__in=access.contact_tickets(request.user),
        )
        .first()
    )
    if found is None:
        raise Http404("no such file")
    # Always bytes to save: a file from a stranger never runs in our origin.
    return attachment_response(found)


@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """The ticket from a signed link in an email: its public thread, read-only."""
    try:
        ticket = Ticket.objects.select_related("status").get(pk=tokens.ticket_of_token(token))
    except (signing.BadSignature, Ticket.DoesNotExist, KeyError, TypeError, ValueError) as exc:
        return bad_link(request, Link.TICKET, exc)
    return render(request, "portal/open.html", {"ticket": ticket, "thread": _public_thread(ticket)})


@login_required(login_url="portal:login")
@require_http_methods(["POST"])
def decide_join(request: HttpRequest, pk: int) -> HttpResponse:
    """A company manager approves or rejects a colleague's request to join."""
    contact = _contact(request)
    item = next((j for j in membership.pending_for(contact) if j.pk == pk), None)
    if item is None:
        raise Http404("no such request")
    assert isinstance(request.user, User)
    membership.decide(item, approve=request.POST.get("decision") == "approve", by=request.user)
    return redirect("portal:home")
