"""Linking a chat to a contact: proven by a signed deep link from the portal, or by the
contact's own phone number shared with Telegram's contact-request button.

A linked chat's Telegram id becomes one of the contact's addresses (intake finds them
by it) and its messages count as verified, like a signed-in portal user's.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from zayavka.accounts.models import Contact, ContactAddress, address_key
from zayavka.channels.telegram.models import TelegramChat
from zayavka.channels.telegram.tokens import contact_of_link_token
from zayavka.tickets.identify import find_contact
from zayavka.tickets.inbound import Sender


def linked_contact(chat_id: int) -> Contact | None:
    chat = TelegramChat.objects.filter(chat_id=chat_id).select_related("contact").first()
    return chat.contact if chat is not None else None


def link(chat_id: int, user_id: int, contact: Contact, via: str, *, language: str) -> None:
    """Make the account the contact's: its Telegram id moves to them from whichever
    contact had it (a prospect the bot registered from its first message). A contact
    who never chose a language gets the chat's."""
    value = str(user_id)
    key = address_key(ContactAddress.Kind.TELEGRAM, value)
    with transaction.atomic():
        moved = ContactAddress.objects.filter(kind=ContactAddress.Kind.TELEGRAM, key=key).update(
            contact=contact
        )
        if not moved:
            ContactAddress.objects.create(
                contact=contact, kind=ContactAddress.Kind.TELEGRAM, value=value
            )
        if not contact.language:
            contact.language = language
            contact.save(update_fields=["language"])
        TelegramChat.objects.update_or_create(
            chat_id=chat_id,
            defaults={"contact": contact, "linked_via": via, "linked_at": timezone.now()},
        )


def contact_by_token(token: str) -> Contact | None:
    pk = contact_of_link_token(token)
    return Contact.objects.filter(pk=pk).first() if pk is not None else None


def contact_by_shared_phone(shared: dict[str, Any], sender_id: int) -> Contact | None:
    """The contact whose phone the person shared, only when it is their own number:
    Telegram sets the shared contact's ``user_id`` to the account it belongs to."""
    if shared.get("user_id") != sender_id:
        return None
    phone = shared.get("phone_number")
    if not isinstance(phone, str) or not phone.strip():
        return None
    return find_contact(Sender(phone=phone))
