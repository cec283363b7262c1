"""What the API takes and gives: the JSON shapes of its operations (docs/api.md says
the conventions: snake_case, RFC 3339 times in UTC, vocabularies by slug, references
by id in requests and as {id, name} in responses, cursor pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, Field, model_validator

# The largest id a database column holds: larger ones are refused (422), never looked up.
MAX_ID = 2**63 - 1


def _plain_text(value: str) -> str:
    """Text the database can store: no NUL characters, no lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def _email(value: str) -> str:
    value = _plain_text(value).strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValueError("must be an email address") from exc
    return value


Text = Annotated[str, AfterValidator(_plain_text)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Slug = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")]
Email = Annotated[str, Field(max_length=320), AfterValidator(_email)]
Answers = dict[
    Annotated[str, Field(max_length=64), AfterValidator(_plain_text)],
    Annotated[str, Field(max_length=5000), AfterValidator(_plain_text)],
]
Urgency = Literal["low", "normal", "high", "critical"]


class Ref(Schema):
    """Another object, as a response names it."""

    id: int
    name: str


# --- tickets -------------------------------------------------------------------------


class RequesterIn(Schema):
    """Who asks, as given by an agent or an integration (not vouched for: unverified)."""

    email: Email = ""
    name: Annotated[Text, Field(max_length=300)] = ""
    phone: Annotated[Text, Field(max_length=50)] = ""
    company: Annotated[Text, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def _reachable(self) -> RequesterIn:
        if not self.email and not self.phone.strip():
            raise ValueError("give the requester's email or phone")
        return self


class OnBehalfIn(Schema):
    """A registered contact an integration vouches for: the request is filed as theirs,
    authenticated (the control panel's form). Give one of the two."""

    contact_id: Id | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _one(self) -> OnBehalfIn:
        if (self.contact_id is None) == (not self.email):
            raise ValueError("give either contact_id or email")
        return self


class TicketCreate(Schema):
    subject: Annotated[Text, Field(min_length=1, max_length=500)]
    description: Annotated[Text, Field(min_length=1, max_length=100_000)]
    requester: RequesterIn | None = None
    on_behalf_of: OnBehalfIn | None = None
    category: Slug | None = None
    urgency: Urgency = "normal"
    fields: Annotated[Answers, Field(max_length=50)] = {}

    @model_validator(mode="after")
    def _who(self) -> TicketCreate:
        if (self.requester is None) == (self.on_behalf_of is None):
            raise ValueError("give either requester or on_behalf_of")
        return self


class TicketUpdate(Schema):
    """The fields to change; those left out stay. `assignee_id` null unassigns;
    `category` null takes the ticket out of its category; `fields` are the answers to
    the (new) category's form."""

    status: Slug | None = None
    priority: Slug | None = None
    assignee_id: Id | None = None
    team_id: Id | None = None
    category: Slug | None = None
    fields: Annotated[Answers, Field(max_length=50)] | None = None


class TicketOut(Schema):
    number: int
    display_number: str
    subject: str
    status: str
    state: str
    priority: str
    urgency: str
    category: str | None
    fields: dict[str, str]
    channel: str
    verification: str
    is_flagged: bool
    requester: Ref
    organization: Ref | None
    team: Ref | None
    assignee: Ref | None
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    url: str


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


# --- messages ------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    withheld: bool


class Author(Schema):
    type: Literal["contact", "user"]
    id: int
    name: str


class MessageOut(Schema):
    id: int
    kind: str
    direction: str
    channel: str
    author: Author | None
    text: str
    created_at: datetime
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


# --- contacts, organizations, categories -----------------------------------------------


class AddressOut(Schema):
    kind: str
    value: str
    is_primary: bool


class ContactOut(Schema):
    id: int
    name: str
    role: str
    organization: Ref | None
    addresses: list[AddressOut]
    created_at: datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactCreate(Schema):
    name: Annotated[Text, Field(max_length=300)] = ""
    email: Email = ""
    phone: Annotated[Text, Field(max_length=50)] = ""
    organization_id: Id | None = None

    @model_validator(mode="after")
    def _reachable(self) -> ContactCreate:
        if not self.email and not self.phone.strip():
            raise ValueError("give the contact's email or phone")
        return self


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    created_at: datetime


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class FieldOut(Schema):
    key: str
    kind: str
    label_ru: str
    label_en: str
    hint_ru: str
    hint_en: str
    choices: list[str]
    required: bool


class CategoryOut(Schema):
    slug: str
    name_ru: str
    name_en: str
    parent: str | None
    team: Ref | None
    hint_ru: str
    hint_en: str
    fields: list[FieldOut]


class StatusOut(Schema):
    slug: str
    state: str
    name_ru: str
    name_en: str


class PriorityOut(Schema):
    slug: str
    rank: int
    name_ru: str
    name_en: str
