"""The Telegram channel's receiving end, shared by the webhook and the poller: keep the
update, then handle it once.

`take(raw)` returns only when the update is committed: kept (`TelegramUpdate`, unique
by update id, so a redelivered update changes nothing) and handled, or quarantined
with its raw form when it cannot be read or handling it failed. Database errors
propagate, so that the webhook answers "try again" and the poller does not move its
offset.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Channel
from zayavka.channels.telegram import codes, link, parse
from zayavka.channels.telegram.chat import in_language, say
from zayavka.channels.telegram.models import TelegramChat, TelegramUpdate
from zayavka.tickets.actions import intake
from zayavka.tickets.identify import find_contact
from zayavka.tickets.inbound import InboundMessage, ReplyHints
from zayavka.tickets.models import StatusCategory, Ticket

log = logging.getLogger(__name__)

CHANNEL = Channel.TELEGRAM

WELCOME = _(
    "Hello! Describe your problem in one message and we will register a request.\n"
    "To have your requests counted as yours, open the Telegram link in your profile "
    "on the client portal, share your phone number with the button below, or send "
    "/email with your registered address."
)
SHARE_PHONE = _("Share my phone number")
LINKED = _("This chat is now linked to %(name)s. Your requests from here count as yours.")
BAD_LINK = _("This link is not valid or has expired. Open a new one from your profile.")
NOT_OWN_PHONE = _("Please share your own number with the button below.")
UNKNOWN_PHONE = _(
    "We do not know this number. You can still write your request here; the desk will "
    "check who you are."
)
APPENDED = _("Added to request %(number)s.")
MEDIA_REFUSED = _(
    "The bot takes text for now: please describe the problem in words. "
    "Files can be sent by email or through the client portal."
)
NOT_TAKEN = _("We could not take this message; the desk will look into it.")
EMAIL_USAGE = _("Send /email and your registered address, for example: /email name@company.ru")
CODE_SENT = _(
    "If this address is registered with us, a code is on its way to it. "
    "Send the code here; it works for 15 minutes."
)
CODE_TOO_SOON = _("A code was sent a moment ago; please wait a minute before asking again.")
CODE_WRONG = _("This code is not right. Tries left: %(left)s.")
CODE_EXPIRED = _("This code has expired or was tried too often. Ask for a new one with /email.")
HELP = _(
    "Write your problem in one message: it becomes a request. /start shows the help; "
    "/email links this chat by a code sent to your registered email."
)


# The commands the receiver answers itself (`_dispatch`; keep the two in step): a
# replayed update that is one of them is not filed (`inbound_for`).
COMMANDS = ("/start", "/email", "/help")


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


def take(raw: bytes) -> Outcome:
    """Keep one update and handle it (see the module's docstring)."""
    try:
        update = parse.read_update(raw)
    except ValueError as exc:
        return _quarantine("", raw, f"unreadable update: {exc}")
    update_id = update["update_id"]
    try:
        with transaction.atomic():
            row = TelegramUpdate.objects.create(
                update_id=update_id,
                raw=raw.decode(),
                received_at=timezone.now(),
            )
    except IntegrityError:
        existing = TelegramUpdate.objects.filter(update_id=update_id).first()
        if existing is None:
            raise  # not a copy of a kept update: the database refused it
        row = existing
        if row.state != TelegramUpdate.State.PENDING:
            return Outcome.DUPLICATE
        # Kept, but the process stopped before handling it: handle it now.
    return handle(row.pk)


def handle(row_pk: int) -> Outcome:
    """Handle a kept update once, however often it is called."""
    try:
        with transaction.atomic():
            row = TelegramUpdate.objects.select_for_update().get(pk=row_pk)
            if row.state != TelegramUpdate.State.PENDING:
                return Outcome.DUPLICATE
            result = _dispatch(row.update_id, parse.read_update(row.raw.encode()))
            row.state = TelegramUpdate.State.DONE
            row.result = result[:200]
            row.handled_at = timezone.now()
            row.save(update_fields=["state", "result", "handled_at"])
        return Outcome.HANDLED
    except Exception as exc:
        reason = f"{exc.__class__.__name__}: {exc}"[:4000]
        log.exception("telegram update failed; quarantined", extra={"update": row_pk})
    with transaction.atomic():
        row = TelegramUpdate.objects.select_for_update().get(pk=row_pk)
        if row.state != TelegramUpdate.State.PENDING:
            return Outcome.DUPLICATE
        row.state = TelegramUpdate.State.FAILED
        row.result = reason[:200]
        row.handled_at = timezone.now()
        row.save(update_fields=["state", "result", "handled_at"])
        intake.quarantine_raw(CHANNEL, f"update:{row.update_id}", row.raw.encode(), reason)
    return Outcome.QUARANTINED


def _quarantine(external_id: str, raw: bytes, reason: str) -> Outcome:
    digest = hashlib.sha256(raw).hexdigest()
    intake.quarantine_raw(CHANNEL, external_id or f"sha256:{digest}", raw, reason)
    return Outcome.QUARANTINED


def _dispatch(update_id: int, update: dict[str, Any]) -> str:
    """Do what the update asks; returns what became of it, for the record."""
    message = parse.message_of(update)
    if message is None:
        kinds = sorted(k for k in update if k != "update_id")
        return f"ignored: {','.join(kinds) or 'empty'}"
    chat_id: int = message["chat"]["id"]
    person: dict[str, Any] = message["from"]
    language = parse.language_of(person)
    text = parse.text_of(message).strip()

    answer = _Answer(chat_id, update_id, language)
    if isinstance(message.get("contact"), dict):
        return _shared_phone(message["contact"], chat_id, person["id"], answer)
    if text.startswith("/"):
        command, _, argument = text.partition(" ")
        command = command.split("@", 1)[0].lower()
        if command == "/start":
            return _start(argument.strip(), chat_id, person["id"], answer)
        if command == "/email":
            return _ask_code(argument.strip(), chat_id, answer)
        if command == "/help":
            answer(HELP)
            return "help"
    if codes.looks_like_code(text):
        tried = _try_code(text, chat_id, person["id"], answer)
        if tried:
            return tried
    if not text:
        answer(MEDIA_REFUSED)
        return f"refused: {parse.media_of(message) or 'empty'}"
    return _file(update_id, chat_id, person, answer)


class _Answer:
    """The bot's one answer to an update, in the chat's language."""

    def __init__(self, chat_id: int, update_id: int, language: str) -> None:
        self.chat_id = chat_id
        self.update_id = update_id
        self.language = language

    def __call__(self, what: Any, markup: dict[str, Any] | None = None, **values: Any) -> None:
        words = in_language(self.language, what)
        say(
            self.chat_id,
            words % values if values else words,
            dedupe_key=f"{self.update_id}",
            language=self.language,
            reply_markup=markup,
        )


def _phone_keyboard(language: str) -> dict[str, Any]:
    label = in_language(language, SHARE_PHONE)
    return {
        "keyboard": [[{"text": label, "request_contact": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


def _start(token: str, chat_id: int, user_id: int, answer: _Answer) -> str:
    if not token:
        answer(WELCOME, _phone_keyboard(answer.language))
        return "welcome"
    contact = link.contact_by_token(token)
    if contact is None:
        answer(BAD_LINK)
        return "refused: bad link"
    link.link(chat_id, user_id, contact, TelegramChat.Via.DEEP_LINK, language=answer.language)
    answer(LINKED, name=contact.name or contact.email)
    return f"linked: contact {contact.pk}"


def _shared_phone(shared: dict[str, Any], chat_id: int, user_id: int, answer: _Answer) -> str:
    if shared.get("user_id") != user_id:
        answer(NOT_OWN_PHONE)
        return "refused: not their own number"
    contact = link.contact_by_shared_phone(shared, user_id)
    if contact is None:
        answer(UNKNOWN_PHONE)
        return "refused: unknown number"
    link.link(chat_id, user_id, contact, TelegramChat.Via.PHONE, language=answer.language)
    answer(LINKED, name=contact.name or contact.email)
    return f"linked: contact {contact.pk}"


def _ask_code(email: str, chat_id: int, answer: _Answer) -> str:
    if not email:
        answer(EMAIL_USAGE)
        return "email: usage"
    asked = codes.ask(chat_id, email, answer.language)
    answer(CODE_TOO_SOON if asked == codes.Asked.TOO_SOON else CODE_SENT)
    return f"email: {asked}"


def _try_code(text: str, chat_id: int, user_id: int, answer: _Answer) -> str:
    """What a six-digit message did to the chat's pending code ("" when none: then it
    is an ordinary message)."""
    attempt = codes.try_code(chat_id, text)
    if attempt.result == codes.Tried.NO_CODE:
        return ""
    if attempt.result == codes.Tried.LINKED and attempt.contact is not None:
        contact = attempt.contact
        link.link(chat_id, user_id, contact, TelegramChat.Via.EMAIL_CODE, language=answer.language)
        answer(LINKED, name=contact.name or contact.email)
        return f"linked: contact {contact.pk}"
    if attempt.result == codes.Tried.WRONG:
        answer(CODE_WRONG, left=attempt.tries_left)
    else:
        answer(CODE_EXPIRED)
    return f"code: {attempt.result}"


def _file(update_id: int, chat_id: int, person: dict[str, Any], answer: _Answer) -> str:
    """A person's text: a new request, or the next message of the chat's open one."""
    raw = TelegramUpdate.objects.values_list("raw", flat=True).get(update_id=update_id)
    message = inbound_for(raw.encode(), f"update:{update_id}", told_apart=True)
    result = intake.receive(message)
    if result.result == intake.Result.APPENDED and result.ticket_id is not None:
        ticket = Ticket.objects.get(pk=result.ticket_id)
        answer(APPENDED, number=ticket.display_number)
    elif result.result == intake.Result.QUARANTINED:
        answer(NOT_TAKEN)
    return f"{result.result}: ticket {result.ticket_number}"


def _not_a_request(text: str) -> str:
    """Why the text is something the receiver does rather than files ("" when it files
    it): a command it answers, or what may be a code from /email."""
    text = text.strip()
    command = text.partition(" ")[0].split("@", 1)[0].lower()
    if command in COMMANDS:
        return f"a {command} command"
    if codes.looks_like_code(text):
        return "a code from /email"
    return ""


def inbound_for(raw: bytes, external_id: str, *, told_apart: bool = False) -> InboundMessage:
    """A message update as the receiver files it: `parse.parse`, then the sender marked
    authenticated when the chat is linked to a contact, and the chat's open request as
    the one it continues.

    The same on arrival (`_file`) and when a quarantined update is replayed
    (`intake.RAW_PARSERS`). Replayed, a command or a code is not filed: ValueError, so
    it stays in quarantine (``told_apart`` is the receiver's word that it is neither).
    """
    message = parse.parse(raw, external_id)
    if not told_apart and (why := _not_a_request(message.text)):
        raise ValueError(f"not a request: {why}")
    chat_id = message.meta["telegram"]["chat_id"]
    linked = link.linked_contact(chat_id)
    contact = linked or find_contact(message.sender)
    open_ticket = (
        Ticket.objects.filter(requester=contact, channel=CHANNEL)
        .exclude(state=StatusCategory.CLOSED)
        .order_by("-created_at")
        .values_list("pk", flat=True)
        .first()
        if contact is not None
        else None
    )
    return replace(
        message,
        sender=replace(message.sender, authenticated=linked is not None),
        reply=ReplyHints(ticket_id=open_ticket),
    )
