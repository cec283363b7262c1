"""Who and what the desk knows: contacts, organizations, categories with their forms,
statuses and priorities."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from zayavka.accounts.models import ContactAddress, Organization
from zayavka.accounts.normalize import email_key
from zayavka.api import cursors
from zayavka.api.caller import caller_of
from zayavka.api.errors import ERRORS, WRITE_ERRORS, ApiError
from zayavka.api.models import Scope
from zayavka.api.output import category_out, contact_out, organization_out
from zayavka.api.schemas import (
    MAX_ID,
    CategoryOut,
    ContactCreate,
    ContactOut,
    ContactPage,
    Email,
    Id,
    OrganizationOut,
    OrganizationPage,
    PriorityOut,
    Slug,
    StatusOut,
)
from zayavka.channels.phone.callers import CallerExists, NewCaller, register
from zayavka.tickets import catalog
from zayavka.tickets.models import Category, CategoryField

router = Router(tags=["directory"])


class ContactFilters(Schema):
    email: Email | None = Field(None, description="Exactly this address.")
    organization: Id | None = None
    q: str | None = Field(None, max_length=200, description="Part of the name.")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(cursors.DEFAULT_LIMIT, ge=1, le=cursors.MAX_LIMIT)


def _contacts(request: HttpRequest) -> Any:
    caller = caller_of(request)
    caller.require(Scope.CONTACTS_READ)
    return (
        caller.contacts()
        .select_related("organization")
        .prefetch_related(
            Prefetch("addresses", queryset=ContactAddress.objects.order_by("-is_primary", "pk"))
        )
    )


@router.get(
    "/contacts",
    response={200: ContactPage, **ERRORS},
    summary="List contacts",
    operation_id="list_contacts",
)
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> Any:
    contacts = _contacts(request).order_by("pk")
    if filters.email:
        contacts = contacts.filter(
            addresses__kind=ContactAddress.Kind.EMAIL, addresses__key=email_key(filters.email)
        )
    if filters.organization is not None:
        contacts = contacts.filter(organization_id=filters.organization)
    if filters.q:
        if "\x00" in filters.q:
            raise ApiError(422, "invalid_request", "q: no NUL characters.", fields={"q": ["NUL"]})
        contacts = contacts.filter(Q(name__icontains=filters.q))
    if filters.cursor:
        (after,) = cursors.decode(filters.cursor, (int,))
        contacts = contacts.filter(pk__gt=after)
    page = list(contacts[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [contact_out(c) for c in page],
        "next_cursor": cursors.encode([page[-1].pk]) if more and page else None,
    }


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, **ERRORS},
    summary="Read a contact",
    operation_id="get_contact",
)
def get_contact(request: HttpRequest, contact_id: Id) -> Any:
    contact = _contacts(request).filter(pk=contact_id).first()
    if contact is None:
        raise ApiError(404, "not_found", "No such contact.")
    return contact_out(contact)


@router.post(
    "/contacts",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Register a contact",
    operation_id="create_contact",
)
def create_contact(request: HttpRequest, payload: ContactCreate) -> Status[Any]:
    """409 `contact_exists` (with the contact's id in the message) when the email or
    phone is already a contact's."""
    caller = caller_of(request)
    caller.require(Scope.CONTACTS_WRITE)
    organization_id = payload.organization_id
    if caller.organization_id is not None:
        if organization_id not in (None, caller.organization_id):
            raise ApiError(403, "forbidden", "The token files only for its own organization.")
        organization_id = caller.organization_id
    organization = None
    if organization_id is not None:
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            raise ApiError(
                422,
                "unknown_organization",
                "No such organization.",
                fields={"organization_id": ["unknown"]},
            )
    try:
        with transaction.atomic():
            contact = register(
                NewCaller(
                    name=payload.name.strip(),
                    phone=payload.phone.strip(),
                    email=payload.email,
                    organization=organization,
                )
            )
    except CallerExists as exc:
        raise ApiError(
            409, "contact_exists", f"Contact {exc.contact.pk} has this email or phone."
        ) from exc
    except IntegrityError as exc:  # registered meanwhile by another request
        raise ApiError(409, "contact_exists", "A contact has this email or phone.") from exc
    return Status(201, contact_out(_contacts(request).get(pk=contact.pk)))


class PageFilters(Schema):
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(cursors.DEFAULT_LIMIT, ge=1, le=cursors.MAX_LIMIT)


@router.get(
    "/organizations",
    response={200: OrganizationPage, **ERRORS},
    summary="List organizations",
    operation_id="list_organizations",
)
def list_organizations(request: HttpRequest, filters: Query[PageFilters]) -> Any:
    caller = caller_of(request)
    caller.require(Scope.ORGANIZATIONS_READ)
    orgs = Organization.objects.order_by("pk")
    if caller.organization_id is not None:
        orgs = orgs.filter(pk=caller.organization_id)
    if filters.cursor:
        (after,) = cursors.decode(filters.cursor, (int,))
        orgs = orgs.filter(pk__gt=after)
    page = list(orgs[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [organization_out(o) for o in page],
        "next_cursor": cursors.encode([page[-1].pk]) if more and page else None,
    }


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **ERRORS},
    summary="Read an organization",
    operation_id="get_organization",
)
def get_organization(
    request: HttpRequest, organization_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    caller = caller_of(request)
    caller.require(Scope.ORGANIZATIONS_READ)
    org = Organization.objects.filter(pk=organization_id).first()
    if org is None or caller.organization_id not in (None, org.pk):
        raise ApiError(404, "not_found", "No such organization.")
    return organization_out(org)


def _categories() -> Any:
    return (
        Category.objects.filter(is_active=True)
        .select_related("parent", "team")
        .prefetch_related(
            Prefetch("fields", queryset=CategoryField.objects.order_by("position", "pk"))
        )
    )


@router.get(
    "/categories",
    response={200: list[CategoryOut], **ERRORS},
    summary="List the active categories with their forms",
    operation_id="list_categories",
)
def list_categories(request: HttpRequest) -> Any:
    caller_of(request).require(Scope.CATEGORIES_READ)
    return [category_out(c) for c in _categories().order_by("position", "pk")]


@router.get(
    "/categories/{slug}",
    response={200: CategoryOut, **ERRORS},
    summary="Read a category and its form",
    operation_id="get_category",
)
def get_category(request: HttpRequest, slug: Slug) -> Any:
    caller_of(request).require(Scope.CATEGORIES_READ)
    category = _categories().filter(slug=slug).first()
    if category is None:
        raise ApiError(404, "not_found", "No such category.")
    return category_out(category)


@router.get(
    "/statuses",
    response={200: list[StatusOut], **ERRORS},
    summary="List the statuses",
    operation_id="list_statuses",
)
def list_statuses(request: HttpRequest) -> Any:
    caller_of(request)
    return [
        {"slug": s.slug, "state": s.category, "name_ru": s.name_ru, "name_en": s.name_en}
        for s in sorted(catalog.statuses(), key=lambda s: (s.position, s.pk))
    ]


@router.get(
    "/priorities",
    response={200: list[PriorityOut], **ERRORS},
    summary="List the priorities",
    operation_id="list_priorities",
)
def list_priorities(request: HttpRequest) -> Any:
    caller_of(request)
    return [
        {"slug": p.slug, "rank": p.rank, "name_ru": p.name_ru, "name_en": p.name_en}
        for p in catalog.priorities()
    ]
