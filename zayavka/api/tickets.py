"""/tickets: create (through intake, with an Idempotency-Key), read, change, list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Schema, Status
from pydantic import Field

from zayavka.accounts.models import Channel, Contact, Team, User
from zayavka.api import cursors, idempotency
from zayavka.api.caller import Caller, caller_of
from zayavka.api.errors import ERRORS, WRITE_ERRORS, ApiError
from zayavka.api.inbound import ApiRequest, parse, raw_request
from zayavka.api.models import Scope
from zayavka.api.output import TICKET_RELATED, ticket_out
from zayavka.api.schemas import MAX_ID, Id, Slug, TicketCreate, TicketOut, TicketPage, TicketUpdate
from zayavka.channels.phone.callers import sender_of
from zayavka.tickets import access, catalog
from zayavka.tickets.actions import assignment, intake
from zayavka.tickets.actions import tickets as ticket_actions
from zayavka.tickets.forms import CategoryAnswersForm
from zayavka.tickets.identify import find_contact
from zayavka.tickets.inbound import Sender
from zayavka.tickets.models import Category, StatusCategory, Ticket
from zayavka.workspace.search import ticket_condition

router = Router(tags=["tickets"])

Number = Annotated[int, Path(ge=1, le=MAX_ID, description="The ticket's number.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string per request (a UUID): a retry with the same key "
        "and body gets the first response; with another body, 409.",
    ),
]


def _load(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related(*TICKET_RELATED).get(pk=ticket_id)


@router.post(
    "/tickets",
    response={201: TicketOut, **WRITE_ERRORS},
    summary="Create a ticket",
    operation_id="create_ticket",
)
def create_ticket(
    request: HttpRequest,
    response: HttpResponse,
    payload: TicketCreate,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """File a request as a new ticket through intake (channel «api»), for `requester`
    (not verified, as on the phone) or, by an integration, `on_behalf_of` a registered
    contact it vouches for (the ticket is then verified, R36)."""
    caller = caller_of(request)
    caller.require(Scope.TICKETS_WRITE)
    if idempotency_key is None:
        return Status(201, _create(caller, payload, f"api:{caller.token.token_id}:{uuid.uuid4()}"))
    token_id = caller.token.token_id
    replay = idempotency.claim(
        token_id, idempotency_key, idempotency.fingerprint("create_ticket", payload.model_dump())
    )
    if replay is not None:
        response["Idempotent-Replayed"] = "true"
        return Status(replay.status, replay.body)
    try:
        body = _create(caller, payload, f"api:{token_id}:{idempotency_key}")
    except BaseException:
        idempotency.release(token_id, idempotency_key)
        raise
    idempotency.store(token_id, idempotency_key, 201, TicketOut(**body).model_dump(mode="json"))
    return Status(201, body)


def _create(caller: Caller, payload: TicketCreate, external_id: str) -> dict[str, Any]:
    category = _category(payload.category, payload.fields)
    sender = _sender(caller, payload)
    request = ApiRequest(
        token_id=caller.token.token_id,
        sender=sender,
        subject=payload.subject,
        description=payload.description,
        urgency=payload.urgency,
        category=category.slug if category is not None else "",
        fields=payload.fields,
    )
    result = intake.receive(parse(raw_request(request), external_id))
    if result.ticket_id is None:
        raise ApiError(
            503,
            "intake_failed",
            "The request was kept but could not be filed yet; the desk will look at it.",
        )
    return ticket_out(_load(result.ticket_id))


def _category(slug: str | None, answers: dict[str, str]) -> Category | None:
    if slug is None:
        return None
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise ApiError(
            422, "unknown_category", "No such category.", fields={"category": ["unknown"]}
        )
    _check_answers(category, answers)
    return category


def _check_answers(category: Category | None, answers: dict[str, str]) -> dict[str, str]:
    """The answers to the category's form, checked as the forms check them; answers to
    fields the form does not ask for are kept as given."""
    form = CategoryAnswersForm(category, {f"field-{k}": v for k, v in answers.items()})
    if not form.is_valid():
        raise ApiError(
            422,
            "invalid_fields",
            "Some answers to the category's form are missing or not valid.",
            fields={f"fields.{k}": [str(m) for m in v] for k, v in form.errors.items()},
        )
    asked = {spec.key for spec in form.specs}
    return {**{k: v for k, v in answers.items() if k not in asked}, **form.cleaned_data}


def _sender(caller: Caller, payload: TicketCreate) -> Sender:
    if payload.on_behalf_of is None:
        assert payload.requester is not None
        if caller.organization_id is not None:
            raise ApiError(
                403,
                "on_behalf_of_required",
                "A token of one organization files requests only on behalf of its people.",
            )
        who = payload.requester
        return Sender(
            email=who.email, phone=who.phone.strip(), name=who.name, organization=who.company
        )
    if not caller.is_integration:
        raise ApiError(
            403, "not_an_integration", "Only an integration's token files on behalf of a contact."
        )
    vouched = payload.on_behalf_of
    contact: Contact | None
    if vouched.contact_id is not None:
        contact = caller.contacts().filter(pk=vouched.contact_id).first()
    else:
        contact = find_contact(Sender(email=vouched.email or ""))
        if contact is not None and not caller.contacts().filter(pk=contact.pk).exists():
            contact = None
    if contact is None:
        raise ApiError(
            422,
            "unknown_contact",
            "No such contact: register it first (POST /contacts).",
            fields={"on_behalf_of": ["unknown"]},
        )
    try:
        sender = sender_of(contact)
    except ValueError as exc:
        raise ApiError(
            422, "unreachable_contact", "The contact has no email or phone.", fields={}
        ) from exc
    return Sender(email=sender.email, phone=sender.phone, name=sender.name, authenticated=True)


@router.get(
    "/tickets/{number}",
    response={200: TicketOut, **ERRORS},
    summary="Read a ticket",
    operation_id="get_ticket",
)
def get_ticket(request: HttpRequest, number: Number) -> Any:
    caller = caller_of(request)
    caller.require(Scope.TICKETS_READ)
    return ticket_out(_load(caller.ticket(number).pk))


@router.patch(
    "/tickets/{number}",
    response={200: TicketOut, **WRITE_ERRORS},
    summary="Change a ticket's status, priority, team, assignee or category and fields",
    operation_id="update_ticket",
)
def update_ticket(request: HttpRequest, number: Number, payload: TicketUpdate) -> Any:
    """Each change goes through the desk's action for it, as in the workspace; all of
    them or none are made."""
    caller = caller_of(request)
    caller.require(Scope.TICKETS_WRITE)
    ticket = caller.ticket(number, write=True)
    given = payload.model_fields_set
    user = caller.user
    with transaction.atomic():
        if "status" in given and payload.status is not None:
            status = next((s for s in catalog.statuses() if s.slug == payload.status), None)
            if status is None:
                raise _unknown("status")
            ticket_actions.change_status(ticket, status, actor_user=user, channel=Channel.API)
        if "priority" in given and payload.priority is not None:
            priority = next((p for p in catalog.priorities() if p.slug == payload.priority), None)
            if priority is None:
                raise _unknown("priority")
            ticket_actions.change_priority(ticket, priority, actor_user=user, channel=Channel.API)
        if given & {"assignee_id", "team_id"}:
            _assign(ticket, payload, user)
        if given & {"category", "fields"}:
            category: Category | None = ticket.category
            if "category" in given:
                category = None
                if payload.category is not None:
                    category = Category.objects.filter(slug=payload.category).first()
                    if category is None:
                        raise _unknown("category")
            answers = _check_answers(category, payload.fields or {})
            ticket_actions.change_category(ticket, category, answers, by=user, channel=Channel.API)
    return ticket_out(_load(ticket.pk))


def _assign(ticket: Ticket, payload: TicketUpdate, user: User) -> None:
    team = ticket.team
    if payload.team_id is not None:
        team = Team.objects.filter(pk=payload.team_id).first()
        if team is None:
            raise _unknown("team_id")
    agent = ticket.assignee
    if "assignee_id" in payload.model_fields_set:
        agent = None
        if payload.assignee_id is not None:
            agent = User.objects.filter(pk=payload.assignee_id, is_active=True).first()
            if agent is None or access.agent_of(agent) is None:
                raise _unknown("assignee_id")
    try:
        assignment.assign_ticket(ticket, agent=agent, team=team, by=user)
    except ValueError as exc:
        raise ApiError(
            422,
            "invalid_assignee",
            "That agent may not work on this team's tickets.",
            fields={"assignee_id": [str(exc)]},
        ) from exc


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise ApiError(
            422,
            "invalid_request",
            "updated_since: give a date and time (RFC 3339).",
            fields={"updated_since": ["not a date and time"]},
        ) from exc


def _unknown(name: str) -> ApiError:
    return ApiError(
        422, f"unknown_{name.removesuffix('_id')}", f"No such {name}.", fields={name: ["unknown"]}
    )


Sort = Literal["-number", "number", "updated_at", "-updated_at"]


class TicketFilters(Schema):
    status: Slug | None = Field(None, description="A status's slug.")
    state: Literal["new", "open", "pending", "resolved", "closed"] | None = None
    priority: Slug | None = None
    team: Id | None = Field(None, description="A team's id.")
    assignee: Id | None = Field(None, description="An agent's user id.")
    unassigned: bool | None = None
    organization: Id | None = Field(None, description="An organization's id.")
    updated_since: str | None = Field(
        None,
        max_length=40,
        json_schema_extra={"format": "date-time"},
        description="Only tickets changed at or after this time, RFC 3339 "
        "(UTC if no offset is given).",
    )
    q: str | None = Field(None, max_length=500, description="Words, a number or an address.")
    sort: Sort = "-number"
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(cursors.DEFAULT_LIMIT, ge=1, le=cursors.MAX_LIMIT)


@router.get(
    "/tickets",
    response={200: TicketPage, **ERRORS},
    summary="List tickets",
    operation_id="list_tickets",
)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    """The tickets the token sees, filtered, in pages of `limit` by keyset: pass the
    page's `next_cursor` as `cursor` for the next one (null on the last page). The order
    is `sort`, ties broken by number: stable while tickets change."""
    caller = caller_of(request)
    caller.require(Scope.TICKETS_READ)
    tickets = caller.tickets().select_related(*TICKET_RELATED)
    f = filters
    if f.status is not None:
        tickets = tickets.filter(status__slug=f.status)
    if f.state is not None:
        tickets = tickets.filter(state=StatusCategory(f.state))
    if f.priority is not None:
        tickets = tickets.filter(priority__slug=f.priority)
    if f.team is not None:
        tickets = tickets.filter(team_id=f.team)
    if f.assignee is not None:
        tickets = tickets.filter(assignee_id=f.assignee)
    if f.unassigned is not None:
        tickets = tickets.filter(assignee__isnull=f.unassigned)
    if f.organization is not None:
        tickets = tickets.filter(organization_id=f.organization)
    if f.updated_since is not None:
        since = _moment(f.updated_since)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        tickets = tickets.filter(updated_at__gte=since)
    if f.q:
        if "\x00" in f.q:
            raise ApiError(422, "invalid_request", "q: no NUL characters.", fields={"q": ["NUL"]})
        condition = ticket_condition(f.q)
        if condition is not None:
            tickets = tickets.filter(condition)
    by_time = f.sort in {"updated_at", "-updated_at"}
    descending = f.sort.startswith("-")
    if f.cursor:
        if by_time:
            moment, after = cursors.decode(f.cursor, (str, int))
            try:
                at = datetime.fromisoformat(moment)
            except ValueError as exc:
                raise ApiError(400, "invalid_cursor", "The cursor is not valid.") from exc
            if descending:
                tickets = tickets.filter(Q(updated_at__lt=at) | Q(updated_at=at, number__lt=after))
            else:
                tickets = tickets.filter(Q(updated_at__gt=at) | Q(updated_at=at, number__gt=after))
        else:
            (after,) = cursors.decode(f.cursor, (int,))
            tickets = (
                tickets.filter(number__lt=after) if descending else tickets.filter(number__gt=after)
            )
    order = ["updated_at", "number"] if by_time else ["number"]
    tickets = tickets.order_by(*(f"-{o}" if descending else o for o in order))
    page = list(tickets[: f.limit + 1])
    more = len(page) > f.limit
    page = page[: f.limit]
    next_cursor = None
    if more and page:
        last = page[-1]
        next_cursor = cursors.encode(
            [last.updated_at.isoformat(), last.number] if by_time else [last.number]
        )
    return {"items": [ticket_out(t) for t in page], "next_cursor": next_cursor}
