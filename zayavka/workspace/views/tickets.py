"""The ticket page and what an agent does there: reply, note, status, priority, assign,
category and its fields, links; and who else has the ticket open."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zayavka.accounts.models import Channel, ContactAddress, User
from zayavka.kb.models import Article
from zayavka.tickets import access, notifications
from zayavka.tickets.actions import assignment, lifecycle, relations
from zayavka.tickets.actions import messages as thread
from zayavka.tickets.actions import tickets as ticket_actions
from zayavka.tickets.forms import CategoryAnswersForm
from zayavka.tickets.models import Attachment, Message, StatusCategory, Ticket, TicketLink
from zayavka.tickets.threads import thread_tickets
from zayavka.tickets.uploads import MAX_TEXT
from zayavka.workspace.articles import article_snippet, articles_for_ticket
from zayavka.workspace.auth import agent_required
from zayavka.workspace.forms import (
    AssignForm,
    CategoryForm,
    MessageForm,
    PriorityForm,
    StatusForm,
    UpdateForm,
)
from zayavka.workspace.history import history
from zayavka.workspace.models import CannedResponse, TicketViewer, fill_placeholders
from zayavka.workspace.nearby import nearby
from zayavka.workspace.views.common import is_htmx, nav_context

DONE = (StatusCategory.RESOLVED, StatusCategory.CLOSED)

RELATION_LABELS = [
    ("related", gettext_lazy("related to")),
    ("parent", gettext_lazy("parent of")),
    ("child", gettext_lazy("child of")),
]


def _load(request: HttpRequest, number: int, *, write: bool = False) -> Ticket:
    """The ticket if the agent may see it (or work on it), with what the page shows."""
    ticket = access.access_ticket(request.user, number, write=write)
    return _with_relations(ticket)


def _with_relations(ticket: Ticket) -> Ticket:
    related = ("status", "priority", "category", "requester", "organization", "contract")
    return (
        Ticket.objects.select_related(
            *related, "assignee", "team", "requester__organization", "merged_into"
        )
        .prefetch_related("category__fields")
        .get(pk=ticket.pk)
    )


@agent_required
@require_GET
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _load(request, number)
    assert isinstance(request.user, User)
    TicketViewer.objects.forget_stale(request.user.pk)
    return _render(request, ticket)


def _render(
    request: HttpRequest, ticket: Ticket, *, invalid: bool = False, **forms: Any
) -> HttpResponse:
    """The page; after an htmx post only its ticket part (htmx swaps only 2xx answers,
    so a form with errors comes back as 200 there, and as 400 to a plain post)."""
    context = {**_page_context(request, ticket), **forms}
    if is_htmx(request) and request.method == "POST":
        response = render(request, "workspace/ticket.html#ticket", context)
        # The queues' counts in the menu may have changed: they ask again (base.html).
        response["HX-Trigger"] = "zv-ticket-changed"
        return response
    status = 400 if invalid else 200
    return render(
        request, "workspace/ticket.html", {**context, **nav_context(request)}, status=status
    )


def _page_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    thread = list(
        Message.objects.filter(ticket_id__in=thread_tickets(ticket))
        .select_related("author_user", "author_contact", "ticket")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.visible().order_by("pk"),
                to_attr="shown_attachments",
            )
        )
        .order_by("created_at", "pk")
    )
    addresses = list(ticket.requester.addresses.order_by("-is_primary", "pk"))
    assert isinstance(request.user, User)
    return {
        "ticket": ticket,
        "thread": thread,
        "other_answers": _other_answers(ticket),
        "category_form": CategoryForm(ticket=ticket),
        "viewers": _viewers(request, ticket),
        "emails": [a.value for a in addresses if a.kind == ContactAddress.Kind.EMAIL],
        "phones": [a.value for a in addresses if a.kind == ContactAddress.Kind.PHONE],
        "resolved": ticket.resolved_at if ticket.state in DONE else None,
        "history": history(ticket),
        "withheld": ticket.attachments.withheld().count(),
        "note_form": MessageForm(prefix="note"),
        "update_form": update_form(request, ticket),
        "is_mine": ticket.assignee_id == request.user.pk,
        "links": _links(request, ticket),
        "has_abusive": any(m.is_abusive for m in thread),
        "canned": list(CannedResponse.objects.for_language(get_language() or "ru")),
        "kb_articles": articles_for_ticket(ticket),
        "relations": RELATION_LABELS,
        "nearby": nearby(request.user, ticket),
    }


def update_form(request: HttpRequest, ticket: Ticket, text: str = "") -> UpdateForm:
    """The update panel as the ticket stands, with `text` in the reply box."""
    return UpdateForm(
        user=request.user,
        initial={
            "text": text,
            "status": ticket.status,
            "priority": ticket.priority,
            "team": ticket.team,
            "agent": ticket.assignee,
        },
    )


def _links(request: HttpRequest, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's links both ways, as read from this ticket; tickets the agent may not
    see are left out."""
    outgoing: dict[str, str] = {
        TicketLink.Kind.RELATED: _("Related to"),
        TicketLink.Kind.PARENT: _("Parent of"),
        TicketLink.Kind.FOLLOW_UP: _("Follow-up of"),
        TicketLink.Kind.MERGED: _("Merged into"),
    }
    incoming: dict[str, str] = {
        TicketLink.Kind.RELATED: _("Related to"),
        TicketLink.Kind.PARENT: _("Child of"),
        TicketLink.Kind.FOLLOW_UP: _("Followed up by"),
        TicketLink.Kind.MERGED: _("Merged from"),
    }
    rows = [
        (outgoing.get(link.kind, link.kind), link.target, link.created_at, link.kind)
        for link in ticket.links_out.select_related("target")
    ] + [
        (incoming.get(link.kind, link.kind), link.source, link.created_at, link.kind)
        for link in ticket.links_in.select_related("source")
    ]
    rows.sort(key=lambda row: (row[2], row[1].number))
    return [
        {"label": label, "ticket": other, "kind": kind}
        for label, other, _at, kind in rows
        if access.can_view(request.user, other)
    ]


def _other_answers(ticket: Ticket) -> list[tuple[str, str]]:
    """Answers no field of the ticket's category asks for (from the API, or a form the
    category had before): shown, not edited, so that nothing the requester said is hidden."""
    values = dict(ticket.fields) if isinstance(ticket.fields, dict) else {}
    if ticket.category is not None:
        for field in ticket.category.fields.all():
            values.pop(field.key, None)
    return [(key, str(value)) for key, value in values.items()]


def _viewers(
    request: HttpRequest, ticket: Ticket, *, composing: bool = False
) -> list[TicketViewer]:
    """Note that this agent has the ticket open; the other agents who have it open too."""
    assert isinstance(request.user, User)
    TicketViewer.objects.touch(ticket.pk, request.user.pk, composing=composing)
    return TicketViewer.objects.others(ticket.pk, request.user.pk)


def _done(request: HttpRequest, ticket: Ticket, text: str = "") -> HttpResponse:
    if text:
        messages.success(request, text)
    if is_htmx(request):
        return _render(request, _with_relations(ticket))
    return redirect("workspace:ticket", number=ticket.number)


@agent_required
@require_POST
def post_message(request: HttpRequest, number: int, kind: str) -> HttpResponse:
    """A reply to the requester (`kind` "reply") or an internal note ("note")."""
    ticket = _load(request, number, write=True)
    form = MessageForm(request.POST, prefix=kind, files_list=request.FILES.getlist(f"{kind}-files"))
    if form.is_valid():
        assert isinstance(request.user, User)
        try:
            if kind == "reply":
                thread.reply_to_requester(
                    ticket,
                    request.user,
                    form.cleaned_data["text"],
                    form.uploads(),
                    then_status=form.cleaned_data["then_status"],
                )
            else:
                thread.add_note(ticket, request.user, form.cleaned_data["text"], form.uploads())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if kind == "reply" and not notifications.requester_reachable(ticket):
                messages.warning(
                    request, _("The requester has no email address: the reply was not sent.")
                )
            return _done(request, ticket, _("Reply sent.") if kind == "reply" else _("Note added."))
    return _render(request, ticket, invalid=True, **{f"{kind}_form": form})


@agent_required
@require_POST
def change_status(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _load(request, number, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _render(request, ticket, invalid=True, status_form=form)
    assert isinstance(request.user, User)
    ticket_actions.change_status(
        ticket, form.cleaned_data["status"], actor_user=request.user, channel=Channel.AGENT
    )
    return _done(request, ticket, _("Status changed."))


@agent_required
@require_POST
def change_priority(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _load(request, number, write=True)
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _render(request, ticket, invalid=True, priority_form=form)
    assert isinstance(request.user, User)
    ticket_actions.change_priority(
        ticket, form.cleaned_data["priority"], actor_user=request.user, channel=Channel.AGENT
    )
    return _done(request, ticket, _("Priority changed."))


@agent_required
@require_POST
def assign(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _load(request, number, write=True)
    form = AssignForm(request.POST, user=request.user)
    if form.is_valid():
        assert isinstance(request.user, User)
        try:
            assignment.assign_ticket(
                ticket,
                agent=form.cleaned_data["agent"],
                team=form.cleaned_data["team"],
                by=request.user,
            )
        except (ValueError, PermissionDenied):
            form.add_error("agent", _("This agent may not work on tickets of that team."))
        else:
            return _done(request, ticket, _("Assignment changed."))
    return _render(request, ticket, invalid=True, assign_form=form)


@agent_required
@require_POST
def take(request: HttpRequest, number: int) -> HttpResponse:
    """Take the ticket for oneself; taking it over from another agent needs `force`."""
    ticket = _load(request, number, write=True)
    assert isinstance(request.user, User)
    try:
        assignment.take_ticket(ticket, request.user, force=request.POST.get("force") == "1")
    except assignment.TicketAlreadyTaken:
        messages.error(request, _("Another agent has just taken this ticket."))
        return _done(request, ticket)
    except PermissionDenied:
        messages.error(request, _("Only agents may take tickets."))
        return _done(request, ticket)
    return _done(request, ticket, _("The ticket is yours."))


def _other_ticket(request: HttpRequest) -> Ticket | None:
    """The ticket whose number the agent typed, if they may work on it."""
    text = request.POST.get("other", "").strip().lstrip("#№ ").strip()
    if not text.isdigit():
        return None
    try:
        return access.access_ticket(request.user, int(text), write=True)
    except Http404:
        return None


REFUSALS = {
    "self": gettext_lazy("A ticket cannot be merged into or linked to itself."),
    "source_merged": gettext_lazy("This ticket has already been merged."),
    "target_merged": gettext_lazy("That ticket was merged into another one: use that one."),
    "reversed": gettext_lazy("These tickets are already linked the other way round."),
}


@agent_required
@require_POST
def merge(request: HttpRequest, number: int) -> HttpResponse:
    """Merge this ticket into the one whose number was typed (see relations.merge_tickets)."""
    ticket = _load(request, number, write=True)
    other = _other_ticket(request)
    assert isinstance(request.user, User)
    if other is None:
        messages.error(request, _("There is no ticket with that number that you may work on."))
        return _done(request, ticket)
    mergeable = ticket.pk != other.pk and ticket.merged_into_id is other.merged_into_id is None
    newcomers = relations.newcomers_by_merge(ticket, other) if mergeable else []
    if newcomers and request.POST.get("decided") != "1":
        # Merging would let these people read the other ticket: the agent says, for
        # each by name, whether it should (unticked by default) before anything changes.
        return _render(request, ticket, merge_confirm={"other": other, "newcomers": newcomers})
    allowed = {contact.pk for contact in newcomers}
    give_access = {int(v) for v in request.POST.getlist("give_access") if v.isdigit()}
    try:
        relations.merge_tickets(ticket, other, by=request.user, give_access=give_access & allowed)
    except relations.TicketsNotLinked as exc:
        messages.error(request, str(REFUSALS[exc.code]))
        return _done(request, ticket)
    except PermissionDenied:
        messages.error(request, _("There is no ticket with that number that you may work on."))
        return _done(request, ticket)
    return _done(
        request,
        ticket,
        _("Merged into #%(number)s.") % {"number": other.display_number},
    )


@agent_required
@require_POST
def link(request: HttpRequest, number: int) -> HttpResponse:
    """Link this ticket to another: related, parent of it, or child of it."""
    ticket = _load(request, number, write=True)
    other = _other_ticket(request)
    relation = request.POST.get("relation", "")
    assert isinstance(request.user, User)
    if relation not in relations.RELATIONS:
        messages.error(request, _("Choose how the tickets are related."))
        return _done(request, ticket)
    if other is None:
        messages.error(request, _("There is no ticket with that number that you may work on."))
        return _done(request, ticket)
    try:
        created = relations.relate_tickets(ticket, other, relation, by=request.user)
    except relations.TicketsNotLinked as exc:
        messages.error(request, str(REFUSALS[exc.code]))
        return _done(request, ticket)
    except PermissionDenied:
        messages.error(request, _("There is no ticket with that number that you may work on."))
        return _done(request, ticket)
    if not created:
        return _done(request, ticket, _("The tickets were already linked."))
    return _done(request, ticket, _("Linked to #%(number)s.") % {"number": other.display_number})


@agent_required
@require_POST
def abusive(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    """Mark a requester's message as abusive (R29), or take the mark off (`abusive`=0)."""
    ticket = _load(request, number, write=True)
    message = Message.objects.filter(
        pk=pk, ticket_id__in=thread_tickets(ticket), direction=Message.Direction.INBOUND
    ).first()
    if message is None:
        raise Http404("no such message")
    assert isinstance(request.user, User)
    flag = request.POST.get("abusive", "1") != "0"
    thread.mark_abusive(message, abusive=flag, by=request.user)
    text = _("Message marked as abusive.") if flag else _("The abusive mark was taken off.")
    return _done(request, ticket, text)


@agent_required
@require_POST
def close_without_reply(request: HttpRequest, number: int) -> HttpResponse:
    """Close the ticket and send nothing: no reply, no resolution notice (R29)."""
    ticket = _load(request, number, write=True)
    assert isinstance(request.user, User)
    lifecycle.close_without_reply(ticket, by=request.user)
    return _done(request, ticket, _("Closed without a reply."))


@agent_required
@require_GET
def canned(request: HttpRequest, number: int) -> HttpResponse:
    """The reply box with the chosen canned response added to what the agent had typed,
    its placeholders filled for this ticket: for htmx the box alone, else the page."""
    ticket = _load(request, number, write=True)
    typed = request.GET.get("reply-text", "")
    chosen = request.GET.get("canned", "")
    response = (
        CannedResponse.objects.for_language(get_language() or "ru").filter(pk=chosen).first()
        if chosen.isdigit()
        else None
    )
    text = typed
    if response is not None:
        filled = fill_placeholders(
            response.text,
            {"requester_name": ticket.requester.name, "ticket_number": ticket.display_number},
        )
        text = f"{typed.rstrip()}\n\n{filled}" if typed.strip() else filled
    return _reply_box(request, ticket, text)


def _reply_box(request: HttpRequest, ticket: Ticket, text: str) -> HttpResponse:
    """The update panel's reply box holding `text`: for htmx the box alone (the same
    element the panel draws), else the page."""
    form = update_form(request, ticket, text[:MAX_TEXT])
    if is_htmx(request):
        return render(request, "workspace/_reply_text.html", {"update_form": form})
    return _render(request, ticket, update_form=form)


@agent_required
@require_GET
def insert_article(request: HttpRequest, number: int) -> HttpResponse:
    """The reply box with a public article added to what the agent had typed: its link
    (`mode` "link") or its text and link ("text"), in the requester's language."""
    ticket = _load(request, number, write=True)
    typed = request.GET.get("reply-text", "")
    chosen = request.GET.get("article", "")
    article = Article.objects.public().filter(pk=chosen).first() if chosen.isdigit() else None
    text = typed
    if article is not None:
        snippet = article_snippet(
            article, request.GET.get("mode", "link"), ticket.requester.language or "ru"
        )
        text = f"{typed.rstrip()}\n\n{snippet}" if typed.strip() else snippet
    return _reply_box(request, ticket, text)


@agent_required
@require_POST
def change_category(request: HttpRequest, number: int) -> HttpResponse:
    """Another category and the answers to its form; a required field left empty or a
    choice not offered sends the form back with the errors and saves nothing."""
    ticket = _load(request, number, write=True)
    form = CategoryForm(request.POST, ticket=ticket)
    if not form.is_valid():
        return _render(request, ticket, invalid=True, category_form=form)
    assert isinstance(request.user, User)
    changed = ticket_actions.change_category(
        ticket,
        form.cleaned_data["category"],
        form.cleaned_data["answers"],
        by=request.user,
        channel=Channel.AGENT,
    )
    return _done(request, ticket, _("Category and fields saved.") if changed else "")


@agent_required
@require_GET
def category_fields(request: HttpRequest, number: int) -> HttpResponse:
    """The fields of the category picked in the select (htmx), filled with the ticket's
    answers to the same keys: what saving the new category would keep."""
    ticket = _load(request, number, write=True)
    form = CategoryForm(request.GET, ticket=ticket)
    form.is_valid()
    # Filled in, not checked: the agent has not saved anything yet.
    answers = CategoryAnswersForm(form.chosen(), initial=form.values())
    return render(request, "workspace/phone.html#category-fields", {"answers": answers})


@agent_required
@require_POST
def unlink(request: HttpRequest, number: int, other: int) -> HttpResponse:
    """Remove this ticket's link to another (both ways; of one kind when `kind` is
    posted). Merges are not undone here."""
    ticket = _load(request, number, write=True)
    linked = access.access_ticket(request.user, other, write=True)
    assert isinstance(request.user, User)
    try:
        removed = relations.unlink_tickets(
            ticket, linked, by=request.user, kind=request.POST.get("kind", "")
        )
    except PermissionDenied:
        removed = False
    if not removed:
        messages.error(request, _("These tickets are not linked."))
        return _done(request, ticket)
    return _done(
        request, ticket, _("Link to #%(number)s removed.") % {"number": linked.display_number}
    )


@agent_required
@require_POST
def presence(request: HttpRequest, number: int) -> HttpResponse:
    """The open page's heartbeat: this agent still has the ticket open (typing a reply
    when `composing` is 1); answers with who else has it open."""
    ticket = access.access_ticket(request.user, number)
    viewers = _viewers(request, ticket, composing=request.POST.get("composing") == "1")
    return render(
        request, "workspace/_ticket_presence.html", {"ticket": ticket, "viewers": viewers}
    )
