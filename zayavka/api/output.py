"""Objects as the API shows them (the shapes of `schemas`), built from loaded rows.

The querysets that feed these select the related rows they read (`TICKET_RELATED`):
a page of tickets is one query, whatever its length.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from zayavka.accounts.models import Contact, Organization
from zayavka.tickets import catalog
from zayavka.tickets.models import Category, Message, Ticket

TICKET_RELATED = ("requester", "organization", "team", "assignee", "category")


def _ref(obj: Any, name: str) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": name}


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    status = catalog.status(ticket.status_id)
    priority = catalog.priority(ticket.priority_id)
    fields = ticket.fields if isinstance(ticket.fields, dict) else {}
    assignee = ticket.assignee
    return {
        "number": ticket.number,
        "display_number": ticket.display_number,
        "subject": ticket.subject,
        "status": status.slug,
        "state": ticket.state,
        "priority": priority.slug,
        "urgency": ticket.urgency,
        "category": ticket.category.slug if ticket.category is not None else None,
        "fields": {str(k): str(v) for k, v in fields.items()},
        "channel": ticket.channel,
        "verification": ticket.verification,
        "is_flagged": ticket.is_flagged,
        "requester": _ref(ticket.requester, str(ticket.requester.name)),
        "organization": _ref(
            ticket.organization, ticket.organization.name if ticket.organization else ""
        ),
        "team": _ref(ticket.team, ticket.team.name if ticket.team else ""),
        "assignee": _ref(assignee, assignee.display_name if assignee else ""),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_due": ticket.first_response_due,
        "resolution_due": ticket.resolution_due,
        "first_responded_at": ticket.first_responded_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "url": settings.SITE_URL + reverse("workspace:ticket", args=[ticket.number]),
    }


def message_out(message: Message) -> dict[str, Any]:
    author: dict[str, Any] | None = None
    if message.author_user is not None:
        user = message.author_user
        author = {"type": "user", "id": user.pk, "name": user.display_name}
    elif message.author_contact is not None:
        contact = message.author_contact
        author = {"type": "contact", "id": contact.pk, "name": contact.name}
    return {
        "id": message.pk,
        "kind": message.kind,
        "direction": message.direction,
        "channel": message.channel,
        "author": author,
        "text": message.text,
        "created_at": message.created_at,
        "attachments": [
            {
                "id": att.pk,
                "filename": att.filename,
                "content_type": att.content_type,
                "size": att.size,
                "withheld": att.withheld,
            }
            for att in message.attachments.all()
        ],
    }


def contact_out(contact: Contact) -> dict[str, Any]:
    org = contact.organization
    return {
        "id": contact.pk,
        "name": contact.name,
        "role": contact.role,
        "organization": _ref(org, org.name if org else ""),
        "addresses": [
            {"kind": a.kind, "value": a.value, "is_primary": a.is_primary}
            for a in contact.addresses.all()
        ],
        "created_at": contact.created_at,
    }


def organization_out(org: Organization) -> dict[str, Any]:
    return {"id": org.pk, "name": org.name, "kind": org.kind, "created_at": org.created_at}


def category_out(category: Category) -> dict[str, Any]:
    team = category.team
    return {
        "slug": category.slug,
        "name_ru": category.name_ru,
        "name_en": category.name_en,
        "parent": category.parent.slug if category.parent is not None else None,
        "team": _ref(team, team.name if team else ""),
        "hint_ru": category.hint_ru,
        "hint_en": category.hint_en,
        "fields": [
            {
                "key": f.key,
                "kind": f.kind,
                "label_ru": f.label_ru,
                "label_en": f.label_en,
                "hint_ru": f.hint_ru,
                "hint_en": f.hint_en,
                "choices": [str(c) for c in f.choices] if isinstance(f.choices, list) else [],
                "required": f.required,
            }
            for f in category.fields.all()
        ],
    }
