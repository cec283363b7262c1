"""Who is calling: the agent finds the caller among the contacts, or registers a new one;
either way the call goes to intake under the one key intake finds that contact by."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zayavka.accounts.models import Contact, ContactAddress, Organization
from zayavka.accounts.normalize import email_key, phone_key
from zayavka.tickets.identify import create_contact, find_contact
from zayavka.tickets.inbound import Sender

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


class CallerExists(ValidationError):
    """The new caller's phone or email already belongs to a contact: pick that one."""

    def __init__(self, contact: Contact) -> None:
        super().__init__(
            _("This phone number or email belongs to %(name)s: pick them from the search.")
            % {"name": contact.name or contact.pk},
            code="caller_exists",
        )
        self.contact = contact


def register(caller: NewCaller) -> Contact:
    """A contact for the new caller; CallerExists when their phone or email is taken."""
    for sender in (Sender(phone=caller.phone), Sender(email=caller.email)):
        existing = find_contact(sender)
        if existing is not None:
            raise CallerExists(existing)
    with transaction.atomic():
        return create_contact(
            Sender(name=caller.name, phone=caller.phone, email=caller.email),
            caller.organization,
        )


def sender_of(contact: Contact) -> Sender:
    """The one key intake will find this very contact by; ValueError when there is none."""
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
