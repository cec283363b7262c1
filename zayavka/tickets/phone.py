"""Tickets from phone calls (R7): an agent records what the caller asks for.

The call goes through intake like every other channel (same client identification,
priority, deadlines, routing, events and registration notice); this module only finds
the caller and builds the InboundMessage (the category's form is checked by
`tickets.forms.CategoryAnswersForm`). A phone number proves nothing about who is
calling, so intake marks phone tickets unverified (R27).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zayavka.accounts.models import Channel, Contact, ContactAddress, Organization, User
from zayavka.accounts.normalize import email_key, phone_key
from zayavka.tickets.actions import intake
from zayavka.tickets.identify import create_contact, find_contact
from zayavka.tickets.inbound import InboundMessage, Sender
from zayavka.tickets.models import Category, RawInput, Urgency

MAX_CALLERS = 10
# Fewer digits than this match too many numbers to be worth a lookup.
MIN_PHONE_DIGITS = 4


def find_callers(query: str, *, limit: int = MAX_CALLERS) -> list[Contact]:
    """Contacts whose phone number, email or name matches what the agent typed.

    Phone numbers compare as their keys (digits, «8» trunk prefix as «7»), so
    "8 (921) 555-01-11", "+7 921 5550111" and "555-01-11" all find the same person.
    Only contacts with an email or a phone are offered: intake finds the caller by one.
    """
    text = " ".join(query.split())
    if len(text) < 2:
        return []
    matches = Q(name__icontains=text)
    digits = phone_key(text)
    if len(digits) >= MIN_PHONE_DIGITS and not any(c.isalpha() for c in text):
        matches |= Q(
            pk__in=ContactAddress.objects.filter(
                kind=ContactAddress.Kind.PHONE, key__contains=digits
            ).values("contact_id")
        )
    matches |= Q(
        pk__in=ContactAddress.objects.filter(
            kind=ContactAddress.Kind.EMAIL, key__contains=email_key(text)
        ).values("contact_id")
    )
    reachable = ContactAddress.objects.filter(
        kind__in=[ContactAddress.Kind.EMAIL, ContactAddress.Kind.PHONE]
    ).values("contact_id")
    found: QuerySet[Contact] = (
        Contact.objects.filter(matches, pk__in=reachable)
        .select_related("organization")
        .prefetch_related("addresses")
        .order_by("name", "pk")
    )
    return list(found[:limit])


@dataclass(frozen=True)
class NewCaller:
    """A caller the desk does not know yet, as the agent typed them in."""

    name: str
    phone: str
    email: str = ""
    organization: Organization | None = None


@dataclass(frozen=True)
class Call:
    subject: str
    description: str
    category: Category | None = None
    fields: dict[str, str] = field(default_factory=dict)
    urgency: str = Urgency.NORMAL


class CallerExists(ValidationError):
    """The new caller's phone or email already belongs to a contact: pick that one."""

    def __init__(self, contact: Contact) -> None:
        super().__init__(
            _("This phone number or email belongs to %(name)s: pick them from the search.")
            % {"name": contact.name or contact.pk},
            code="caller_exists",
        )
        self.contact = contact


class CallNotRecorded(Exception):
    """Intake could not open the ticket; the call is kept in quarantine."""

    def __init__(self, result: intake.IntakeResult) -> None:
        super().__init__(result.reason)
        self.result = result


def record_call(
    call: Call,
    *,
    agent: User,
    token: str,
    contact: Contact | None = None,
    new_caller: NewCaller | None = None,
) -> intake.IntakeResult:
    """Open a ticket (channel «phone») for a call, for `contact` or a `new_caller`.

    `token` comes with the agent's form: submitting the same form twice returns the
    first ticket instead of opening another. Raises CallerExists when the new caller's
    phone or email is already a contact's, ValueError when neither caller is given or
    the contact cannot be reached by phone or email, CallNotRecorded when intake
    quarantined the call.
    """
    external_id = f"call:{token}"
    done = (
        RawInput.objects.filter(channel=Channel.PHONE, external_id=external_id)
        .select_related("ticket")
        .first()
    )
    if done is not None:
        return intake.IntakeResult(
            intake.Result.DUPLICATE,
            ticket_number=done.ticket.number if done.ticket else None,
            ticket_id=done.ticket_id,
            raw_id=done.pk,
        )
    if contact is not None:
        sender = _sender_of(contact)
    elif new_caller is not None:
        contact = _register(new_caller)
        sender = _sender_of(contact)
    else:
        raise ValueError("a call needs a caller")
    result = intake.receive(_message(call, agent, external_id, sender))
    if result.result == intake.Result.QUARANTINED:
        raise CallNotRecorded(result)
    return result


def _register(caller: NewCaller) -> Contact:
    for sender in (Sender(phone=caller.phone), Sender(email=caller.email)):
        existing = find_contact(sender)
        if existing is not None:
            raise CallerExists(existing)
    with transaction.atomic():
        return create_contact(
            Sender(name=caller.name, phone=caller.phone, email=caller.email),
            caller.organization,
        )


def _sender_of(contact: Contact) -> Sender:
    """The one key intake will find this very contact by."""
    addresses = contact.addresses.order_by("-is_primary", "pk")
    email = addresses.filter(kind=ContactAddress.Kind.EMAIL).first()
    sender = Sender(name=contact.name, email=email.value) if email is not None else None
    if sender is None:
        phone = addresses.filter(kind=ContactAddress.Kind.PHONE).first()
        if phone is None:
            raise ValueError(f"contact {contact.pk} has no email or phone")
        sender = Sender(name=contact.name, phone=phone.value)
    found = find_contact(sender)
    if found is None or found.pk != contact.pk:
        raise ValueError(f"contact {contact.pk} is not found by its own address")
    return sender


def _message(call: Call, agent: User, external_id: str, sender: Sender) -> InboundMessage:
    recorded_by = agent.display_name
    raw = {
        "recorded_by": agent.pk,
        "sender": {"name": sender.name, "email": sender.email, "phone": sender.phone},
        "subject": call.subject,
        "description": call.description,
        "category": call.category.slug if call.category else "",
        "fields": call.fields,
        "urgency": call.urgency,
    }
    return InboundMessage(
        channel=Channel.PHONE,
        external_id=external_id,
        raw=json.dumps(raw, ensure_ascii=False, sort_keys=True).encode(),
        sender=sender,
        subject=call.subject,
        text=call.description,
        urgency=call.urgency,
        category=call.category.slug if call.category else "",
        fields=dict(call.fields),
        meta={"recorded_by": agent.pk, "recorded_by_name": recorded_by},
    )
