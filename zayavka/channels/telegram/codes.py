"""Linking a chat by a one-time code mailed to the contact's registered address:
``/email name@company.ru`` in the chat, then the six digits from the mail.

The answer to ``/email`` is the same whether or not the address is registered, so the
bot tells nobody which addresses the desk knows. A code is kept as an HMAC, lasts
`CODE_TTL`, allows `MAX_TRIES` wrong guesses, and a chat may ask for a new one once a
`RESEND_AFTER`; the mail counts against the address's caps on automatic mail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from zayavka.accounts.models import Contact
from zayavka.channels.telegram.models import LinkCode
from zayavka.tickets import notices
from zayavka.tickets.identify import find_contact
from zayavka.tickets.inbound import Sender

CODE_SALT = "zayavka.telegram.code"
CODE_TTL = timedelta(minutes=15)
RESEND_AFTER = timedelta(minutes=1)
MAX_TRIES = 5
DIGITS = 6


class Asked(StrEnum):
    SENT = "sent"  # or the address is not registered: the chat is told the same
    TOO_SOON = "too soon"


class Tried(StrEnum):
    NO_CODE = "no code"
    LINKED = "linked"
    WRONG = "wrong"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Attempt:
    result: Tried
    contact: Contact | None = None
    tries_left: int = 0


def _digest(chat_id: int, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{chat_id}:{code}", algorithm="sha256").hexdigest()


def looks_like_code(text: str) -> bool:
    return len(text) == DIGITS and text.isascii() and text.isdigit()


def ask(chat_id: int, email: str, language: str, *, now: datetime | None = None) -> Asked:
    """Mail a new code to `email` when it is a contact's registered address."""
    now = now or timezone.now()
    pending = LinkCode.objects.select_for_update().filter(chat_id=chat_id).first()
    if pending is not None and now - pending.created_at < RESEND_AFTER:
        return Asked.TOO_SOON
    contact = find_contact(Sender(email=email)) if "@" in email else None
    if contact is None:
        if pending is not None:
            pending.delete()
        return Asked.SENT
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    LinkCode.objects.update_or_create(
        chat_id=chat_id,
        defaults={
            "contact": contact,
            "code_hash": _digest(chat_id, code),
            "attempts": 0,
            "created_at": now,
            "expires_at": now + CODE_TTL,
        },
    )
    notices.queue(
        [
            notices.build(
                recipient=email,
                template="telegram_link_code",
                dedupe_key=f"telegram_link_code:{chat_id}:{now.timestamp()}",
                audience=notices.Audience.REQUESTER,
                language=contact.language or language,
                context={"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)},
                at=now,
            )
        ]
    )
    return Asked.SENT


def try_code(chat_id: int, text: str, *, now: datetime | None = None) -> Attempt:
    """Check a code typed in the chat; the code is used up once it links the chat."""
    now = now or timezone.now()
    pending = (
        LinkCode.objects.select_for_update()
        .filter(chat_id=chat_id)
        .select_related("contact")
        .first()
    )
    if pending is None:
        return Attempt(Tried.NO_CODE)
    if pending.expires_at <= now or pending.attempts >= MAX_TRIES:
        pending.delete()
        return Attempt(Tried.EXPIRED)
    if constant_time_compare(pending.code_hash, _digest(chat_id, text)):
        pending.delete()
        return Attempt(Tried.LINKED, pending.contact)
    pending.attempts += 1
    pending.save(update_fields=["attempts"])
    return Attempt(Tried.WRONG, tries_left=MAX_TRIES - pending.attempts)
