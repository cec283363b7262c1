"""Portal accounts: sign-up with a confirmed address, the contact behind each account,
and requests to join an organization that a manager or an agent approves."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from zayavka.accounts.models import (
    Agent,
    Contact,
    ContactAddress,
    Contract,
    Organization,
    User,
)
from zayavka.accounts.normalize import email_key, number_key
from zayavka.portal import emails
from zayavka.portal.models import JoinRequest
from zayavka.tickets.identify import confirm_email, create_contact, organization_by_email_domain
from zayavka.tickets.inbound import Sender

CONFIRM_SALT = "zayavka.portal.confirm"
CONFIRM_MAX_AGE = timedelta(days=3)


def register(
    *, email: str, password: str, name: str, phone: str = "", contract_number: str = ""
) -> User | None:
    """Create an inactive account and email the confirmation link.

    Returns None (and sends nothing) when the address already has an account, so that
    the page answers the same either way and nobody learns who has an account here.
    """
    key = email_key(email)
    if (
        User.objects.filter(username=key).exists()
        or User.objects.filter(email__iexact=key).exists()
    ):
        return None
    first, _, last = name.strip().partition(" ")
    try:
        with transaction.atomic():
            user = User(username=key, email=key, first_name=first[:150], last_name=last[:150])
            user.is_active = False
            user.set_password(password)
            user.save()
    except IntegrityError:
        return None
    _send_confirmation(
        user,
        name=name,
        phone=phone,
        contract_number=contract_number,
        dedupe_key=f"portal_confirm:{user.pk}",
    )
    return user


def _send_confirmation(
    user: User, *, name: str, phone: str, contract_number: str, dedupe_key: str
) -> None:
    token = signing.dumps(
        {"u": user.pk, "phone": phone[:64], "contract": contract_number[:100]}, salt=CONFIRM_SALT
    )
    emails.queue_account_email(
        recipient=user.email,
        template="portal_confirm",
        dedupe_key=dedupe_key,
        context={"name": name.strip()[:300], "token": token},
    )


def awaiting_confirmation(email: str) -> User | None:
    """The portal sign-up with this address that was never confirmed, if any.

    Only what `register` leaves behind qualifies: the address as the login, inactive,
    never signed in, no contact, no staff rights, no agent profile. An account an
    administrator switched off must not be revived by a confirmation link."""
    key = email_key(email)
    user = User.objects.filter(username=key, is_active=False, last_login__isnull=True).first()
    if (
        user is None
        or email_key(user.email) != key
        or user.is_staff
        or user.is_superuser
        or Contact.objects.filter(user=user).exists()
        or Agent.objects.filter(user=user).exists()
    ):
        return None
    return user


def resend_confirmation(email: str) -> bool:
    """Email a new confirmation link to an unconfirmed sign-up; False (nothing sent)
    when the address has none. The phone and contract number typed at sign-up are not
    kept anywhere but the first link, so this one carries neither: the address's
    domain still finds the company."""
    user = awaiting_confirmation(email)
    if user is None:
        return False
    _send_confirmation(
        user,
        name=user.get_full_name(),
        phone="",
        contract_number="",
        dedupe_key=f"portal_confirm:{user.pk}:{secrets.token_hex(8)}",
    )
    return True


def confirm(token: str) -> User:
    """Activate the account the link was issued for and link it to its contact.

    Raises signing.BadSignature (SignatureExpired included) for a forged or old link and
    User.DoesNotExist when the account is gone. Confirming twice changes nothing more.
    """
    data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=int(data["u"]))
        if user.is_active and Contact.objects.filter(user=user).exists():
            return user
        user.is_active = True
        user.save(update_fields=["is_active"])
        contact = link_contact(user, phone=str(data.get("phone", "")))
        ask_to_join(contact, user.email, str(data.get("contract", "")))
    return user


def link_contact(user: User, *, phone: str = "") -> Contact:
    """The contact with the account's (now confirmed) address, created if the desk has
    none, becomes the account's person: they see the tickets that contact filed."""
    address = (
        ContactAddress.objects.filter(kind=ContactAddress.Kind.EMAIL, key=email_key(user.email))
        .select_related("contact")
        .first()
    )
    contact = address.contact if address is not None else None
    if contact is not None and contact.user_id not in (None, user.pk):
        contact = None  # the address belongs to someone else's account: start afresh
    if contact is None:
        name = user.get_full_name()
        contact = create_contact(
            Sender(email=user.email, phone=phone, name=name),
            None,
            email_confirmed_by=ContactAddress.Confirmation.PORTAL,
        )
    else:
        # The account's sign-up confirmed the address: it is now proven the contact's.
        confirm_email(Sender(email=user.email), ContactAddress.Confirmation.PORTAL)
    if contact.user_id != user.pk:
        contact.user = user
        contact.save(update_fields=["user"])
    return contact


def ask_to_join(contact: Contact, email: str, contract_number: str) -> JoinRequest | None:
    """A pending request to join the organization that owns the address's domain, else
    the one whose contract number was given; none when the contact already belongs."""
    if contact.organization_id is not None:
        return None
    organization: Organization | None = organization_by_email_domain(email)
    via = JoinRequest.Via.EMAIL_DOMAIN
    if organization is None and contract_number.strip():
        contract = (
            Contract.objects.filter(number_key=number_key(contract_number), is_active=True)
            .select_related("organization")
            .first()
        )
        organization = contract.organization if contract else None
        via = JoinRequest.Via.CONTRACT
    if organization is None:
        return None
    request, _ = JoinRequest.objects.get_or_create(
        contact=contact,
        organization=organization,
        state=JoinRequest.State.PENDING,
        defaults={"via": via},
    )
    return request


def pending_for(manager: Contact) -> list[JoinRequest]:
    """Requests a manager of the organization may decide on."""
    if manager.role != Contact.Role.MANAGER or manager.organization_id is None:
        return []
    return list(
        JoinRequest.objects.filter(
            organization_id=manager.organization_id, state=JoinRequest.State.PENDING
        ).select_related("contact")
    )


def decide(item: JoinRequest, *, approve: bool, by: User) -> None:
    """Approve (the contact joins the organization) or reject a pending request."""
    with transaction.atomic():
        locked = JoinRequest.objects.select_for_update().get(pk=item.pk)
        if locked.state != JoinRequest.State.PENDING:
            return
        locked.state = JoinRequest.State.APPROVED if approve else JoinRequest.State.REJECTED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        if approve:
            Contact.objects.filter(pk=locked.contact_id, organization__isnull=True).update(
                organization_id=locked.organization_id
            )


class PhoneTaken(Exception):
    """The phone number is another contact's: one number identifies one caller."""


def update_profile(contact: Contact, *, name: str, phone: str, language: str) -> None:
    """Save what a client changed about themselves: the name (on the account too), the
    main phone number (an empty one removes it) and the language of our emails.

    Raises PhoneTaken, changing nothing, when the number belongs to another contact."""
    with transaction.atomic():
        contact.name = name[:300]
        contact.language = language
        contact.save(update_fields=["name", "language"])
        if contact.user is not None:
            first, _, last = name.partition(" ")
            contact.user.first_name, contact.user.last_name = first[:150], last[:150]
            contact.user.save(update_fields=["first_name", "last_name"])
        _set_phone(contact, phone)


def main_phone(contact: Contact) -> ContactAddress | None:
    return (
        contact.addresses.filter(kind=ContactAddress.Kind.PHONE)
        .order_by("-is_primary", "pk")
        .first()
    )


def _set_phone(contact: Contact, phone: str) -> None:
    current = main_phone(contact)
    if not phone:
        if current is not None:
            current.delete()
        return
    if current is None:
        current = ContactAddress(contact=contact, kind=ContactAddress.Kind.PHONE)
    if current.value == phone:
        return
    current.value = phone[:320]
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:
        raise PhoneTaken(phone) from exc
