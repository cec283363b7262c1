"""Intake: the one action every channel calls with an InboundMessage.

In one transaction it stores the raw input, dedupes, finds or creates the
contact, identifies the client and contract, threads the message to a ticket
or opens a new one, sets priority, and writes events and outbox rows. If any
step fails, everything it wrote is rolled back and the raw input is kept in
quarantine with the reason, to be replayed with `zayavka quarantine retry`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zayavka.accounts.models import Channel, Contact, ContactAddress
from zayavka.core.storage import read_blob, store_blob
from zayavka.tickets import catalog, notifications, routing
from zayavka.tickets.actions.assignment import route_and_assign
from zayavka.tickets.actions.events import lock_ticket, record_event
from zayavka.tickets.actions.messages import add_message
from zayavka.tickets.actions.relations import link_tickets
from zayavka.tickets.actions.tickets import change_status, open_ticket
from zayavka.tickets.identify import (
    confirm_email,
    create_contact,
    email_confirmed,
    find_contact,
    identify_client,
)
from zayavka.tickets.inbound import MAX_EXTERNAL_ID, InboundMessage, Sender, content_digest
from zayavka.tickets.models import (
    Category,
    EventKind,
    Message,
    Priority,
    RawInput,
    StatusCategory,
    Ticket,
    TicketLink,
    Urgency,
    Verification,
)
from zayavka.tickets.policy import policy_for, screen
from zayavka.tickets.priority import choose_priority
from zayavka.tickets.sanitize import html_limits, sanitize_html
from zayavka.tickets.threading import ticket_number_from_message_id

log = logging.getLogger(__name__)


class Result:
    CREATED = "created"
    APPENDED = "appended"
    QUARANTINED = "quarantined"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class IntakeResult:
    result: str
    ticket_number: int | None = None
    ticket_id: int | None = None
    raw_id: int | None = None
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        return {"result": self.result, "ticket": self.ticket_number}


# Channels whose external id the sender writes (a Message-ID), and may reuse or forge:
# there a different input under a known id is another message. Elsewhere the id is our
# own idempotency key (a form token, an update id): a second input under it is a retry.
IDS_CHOSEN_BY_SENDER = frozenset({Channel.EMAIL})

# In a message's meta: the external id it shared with a different, earlier message.
REUSED_ID = "reused_external_id"

# Channels whose raw bytes can be parsed again register here, so that inputs the
# channel itself could not read can be replayed from quarantine after a fix.
RAW_PARSERS: dict[str, Callable[[bytes, str], InboundMessage]] = {}


def receive(message: InboundMessage) -> IntakeResult:
    """Take one input from a channel; returns what became of it.

    Guarantees: when this returns, the raw input is committed (as a ticket,
    a reply, a quarantine entry or deliberately ignored); the same input
    received again returns "duplicate" and changes nothing. Database errors
    propagate, so that the channel can answer "try again later".
    """
    if message.channel not in Channel.values:
        raise ValueError(f"unknown channel {message.channel!r}")
    message = _prepare(message.with_defaults())
    blob_key, sha256 = store_blob(f"raw/{message.channel}", message.raw)
    envelope = message.to_envelope()
    # Where a failure came from: the insert (the dedupe) and the commit raise as they
    # always did; only a failure of the processing itself quarantines the input.
    processing = False
    try:
        with transaction.atomic():
            # Inserting first is the dedupe: a second copy of the input fails here, on
            # the unique (channel, external id), before anything else is written.
            raw = _new_raw(message, blob_key, sha256, envelope, RawInput.State.PROCESSED)
            # No savepoint around the processing (two round trips on every input): if it
            # fails, the whole transaction rolls back and the input is quarantined in a
            # new one, below.
            processing = True
            result = _finish(raw, _process(message, raw))
            processing = False
        return result
    except IntegrityError as exc:
        if not processing:
            return _duplicate(message, exc, sha256)
        failure: Exception = exc
    except Exception as exc:
        if not processing:
            raise
        failure = exc
    reason = _reason(failure)
    try:
        with transaction.atomic():
            raw = _new_raw(message, blob_key, sha256, envelope, RawInput.State.QUARANTINED, reason)
    except IntegrityError as exc:
        return _duplicate(message, exc, sha256)  # a copy delivered meanwhile got in first
    log.error(
        "intake failed; input quarantined",
        exc_info=failure,
        extra={"raw": raw.pk, "channel": message.channel},
    )
    return IntakeResult(Result.QUARANTINED, raw_id=raw.pk, reason=reason)


def _reason(failure: Exception) -> str:
    if isinstance(failure, Refused):
        return str(failure)[:4000]
    return f"{failure.__class__.__name__}: {failure}"[:4000]


def _new_raw(
    message: InboundMessage,
    blob_key: str,
    sha256: str,
    envelope: dict[str, Any],
    state: str,
    reason: str = "",
) -> RawInput:
    return RawInput.objects.create(
        channel=message.channel,
        external_id=message.external_id,
        blob_key=blob_key,
        size=len(message.raw),
        sha256=sha256,
        envelope=envelope,
        state=state,
        reason=reason,
        received_at=message.received_at,
    )


def _duplicate(message: InboundMessage, error: IntegrityError, sha256: str) -> IntakeResult:
    """What became of the stored copy of an input received again; ``error`` (the failed
    insert's) is raised when there is no such copy.

    The same bytes, or the same content through another route, is a duplicate. A
    different message under a known Message-ID (reused or forged: `IDS_CHOSEN_BY_SENDER`)
    is not dropped: it is received under a key of its own, and its ticket is flagged."""
    existing = (
        RawInput.objects.filter(channel=message.channel, external_id=message.external_id)
        .select_related("ticket")
        .first()
    )
    if existing is None:
        raise error
    same = (
        message.channel not in IDS_CHOSEN_BY_SENDER
        or existing.sha256 == sha256
        or (
            bool(existing.envelope)
            and content_digest(existing.envelope) == message.content_digest()
        )
    )
    if not same and REUSED_ID not in message.meta:
        digest = message.content_digest()
        own_key = f"reused:{hashlib.sha256(message.external_id.encode()).hexdigest()}:{digest}"
        return receive(
            replace(
                message,
                external_id=own_key,
                meta={**message.meta, REUSED_ID: message.external_id[:MAX_EXTERNAL_ID]},
            )
        )
    return IntakeResult(
        Result.DUPLICATE,
        ticket_number=existing.ticket.number if existing.ticket else None,
        ticket_id=existing.ticket_id,
        raw_id=existing.pk,
    )


def quarantine_raw(channel: str, external_id: str, raw_bytes: bytes, reason: str) -> IntakeResult:
    """Keep an input the channel could not turn into an InboundMessage."""
    blob_key, sha256 = store_blob(f"raw/{channel}", raw_bytes)
    external_id = external_id or f"sha256:{sha256}"
    try:
        with transaction.atomic():
            raw = RawInput.objects.create(
                channel=channel,
                external_id=external_id[:500],
                blob_key=blob_key,
                size=len(raw_bytes),
                sha256=sha256,
                state=RawInput.State.QUARANTINED,
                reason=reason,
                received_at=timezone.now(),
            )
    except IntegrityError:
        return IntakeResult(Result.DUPLICATE)
    log.warning("input quarantined", extra={"raw": raw.pk, "channel": channel, "reason": reason})
    return IntakeResult(Result.QUARANTINED, raw_id=raw.pk, reason=reason)


def retry(raw_id: int) -> IntakeResult:
    """Replay a quarantined input; exactly one result however often it is called."""
    with transaction.atomic():
        raw = RawInput.objects.select_for_update().get(pk=raw_id)
        if raw.state != RawInput.State.QUARANTINED:
            return IntakeResult(
                Result.DUPLICATE,
                ticket_number=raw.ticket.number if raw.ticket else None,
                ticket_id=raw.ticket_id,
                raw_id=raw.pk,
            )
        data = read_blob(raw.blob_key)
        if raw.envelope:
            # Sanitised again: an envelope kept before HTML was sanitised at intake has
            # it raw. Idempotent for the others.
            message = _prepare(InboundMessage.from_envelope(raw.envelope, data))
        elif raw.channel in RAW_PARSERS:
            try:
                parsed = RAW_PARSERS[raw.channel](data, raw.external_id)
            except ValueError as exc:
                # Still not a request (a channel's command, a malformed input): it stays
                # in quarantine, and the caller gets the reason rather than a traceback.
                return IntakeResult(Result.QUARANTINED, raw_id=raw.pk, reason=str(exc)[:500])
            message = _prepare(parsed)
            raw.envelope = message.to_envelope()
        else:
            return IntakeResult(
                Result.QUARANTINED, raw_id=raw.pk, reason=f"no parser for channel {raw.channel!r}"
            )
        raw.attempts += 1
        raw.state = RawInput.State.PROCESSED
        raw.reason = ""
        return _process_or_quarantine(message, raw, replay=True)


def _prepare(message: InboundMessage) -> InboundMessage:
    """The slow, idempotent work done before the transaction: attachments stored, HTML
    sanitised (what the envelope keeps and the thread stores and shows)."""
    message = _store_blobs(message)
    if message.html:
        # A channel keeps over-large or over-deep HTML as text and a file (email does);
        # from any other, such HTML is dropped rather than sanitised for minutes.
        html = "" if html_limits(message.html) else sanitize_html(message.html)
        message = replace(message, html=html)
    return message


def _store_blobs(message: InboundMessage) -> InboundMessage:
    """Write attachment bytes to storage before the transaction (idempotent)."""
    stored = []
    for att in message.attachments:
        if not att.storage_key:
            key, digest = store_blob("attachments", att.content)
            att = replace(att, storage_key=key, sha256=digest, size=len(att.content), content=b"")
        stored.append(att)
    return replace(message, attachments=tuple(stored))


def _process_or_quarantine(
    message: InboundMessage, raw: RawInput, *, replay: bool = False
) -> IntakeResult:
    try:
        with transaction.atomic():
            return _finish(raw, _process(message, raw), replay=replay)
    except Exception as exc:
        reason = _reason(exc)
        log.exception(
            "intake failed; input quarantined", extra={"raw": raw.pk, "channel": message.channel}
        )
        raw.state = RawInput.State.QUARANTINED
        raw.reason = reason
        raw.ticket = None
        raw.processed_at = None
        raw.save()
        return IntakeResult(Result.QUARANTINED, raw_id=raw.pk, reason=reason)


def _finish(raw: RawInput, result: IntakeResult, *, replay: bool = False) -> IntakeResult:
    """Record on the raw input what became of it."""
    raw.state = (
        RawInput.State.IGNORED if result.result == Result.IGNORED else RawInput.State.PROCESSED
    )
    raw.ticket_id = result.ticket_id
    raw.processed_at = timezone.now()
    # The envelope (the whole text, maybe large) was just inserted; only a replay
    # changes it, with the attempts and the reason.
    changed = ["state", "ticket", "processed_at"]
    if result.reason and not replay:
        raw.reason = result.reason[:4000]
        changed.append("reason")
    raw.save(update_fields=[*changed, "attempts", "reason", "envelope"] if replay else changed)
    return replace(result, raw_id=raw.pk)


class Refused(Exception):
    """An input intake will not process as it is; it is quarantined with this reason."""


# The longest address a contact keeps (`ContactAddress.value`); RFC 5321 allows 254.
MAX_ADDRESS = 320


# Channels where the sender's address is only claimed, never shown to be theirs (the API
# too: an integration that vouches for its contact says so, `Sender.authenticated`).
UNPROVEN_CHANNELS = frozenset({Channel.PHONE, Channel.WEB, Channel.API})


def _process(message: InboundMessage, raw: RawInput) -> IntakeResult:
    result = _file(message, raw)
    if result.ticket_id is not None and REUSED_ID in message.meta:
        _flag(
            result.ticket_id,
            "a different message reused a known Message-ID",
            {"reused_id": message.meta[REUSED_ID][:300]},
            channel=message.channel,
        )
    if result.ticket_id is not None and message.problems:
        _flag(
            result.ticket_id,
            "message not read in full: " + "; ".join(message.problems),
            {"problems": list(message.problems)[:20]},
            channel=message.channel,
        )
    return result


def _flag(ticket_id: int, reason: str, data: dict[str, Any], *, channel: str) -> None:
    """Flag the ticket for the desk's attention: the mark on its page, a FLAGGED event."""
    ticket = Ticket.objects.get(pk=ticket_id)
    lock_ticket(ticket)
    if reason not in ticket.flag_reason:
        joined = f"{ticket.flag_reason}; {reason}" if ticket.flag_reason else reason
        ticket.is_flagged = True
        ticket.flag_reason = joined[:300]
        ticket.save(update_fields=["is_flagged", "flag_reason"])
    record_event(ticket, EventKind.FLAGGED, data={"reason": reason, **data}, channel=channel)


def _file(message: InboundMessage, raw: RawInput) -> IntakeResult:
    sender = message.sender
    if max(len(sender.email), len(sender.phone), len(sender.telegram_id)) > MAX_ADDRESS:
        # Cut short, two such addresses would be one contact: refuse instead.
        raise Refused(f"sender address longer than {MAX_ADDRESS} characters")
    if message.auto_generated:
        return _machine_mail(message, raw)
    contact = find_contact(message.sender)
    registered = contact is not None
    ticket = _thread_target(message, contact)
    # A phone number, or an address typed into the public web form, proves nothing about
    # who is asking (R27): such tickets stay unverified even when the number or address is
    # a registered contact's, unless the sender signed in. An email address counts as
    # registered only once confirmed (portal account, authenticated mail, an agent): the
    # contact a stranger's first mail created does not vouch for their second.
    if message.sender.authenticated and message.channel == Channel.EMAIL:
        confirm_email(message.sender, ContactAddress.Confirmation.AUTHENTICATED)
    verification = (
        Verification.AUTHENTICATED
        if registered and message.sender.authenticated
        else Verification.NONE
        if not registered
        or message.channel in UNPROVEN_CHANNELS
        or (message.channel == Channel.EMAIL and not email_confirmed(message.sender))
        else Verification.ADDRESS
    )
    if isinstance(ticket, Ticket):
        if ticket.state == StatusCategory.CLOSED:
            return _open(message, raw, contact, verification, follow_up_of=ticket)
        return _append(message, raw, contact or create_contact(message.sender, None), ticket)
    return _open(message, raw, contact, verification, suspicious_of=ticket)


def _thread_target(message: InboundMessage, contact: Contact | None) -> Ticket | int | None:
    """The ticket this input continues; an int (a ticket id) when the input points at a
    ticket its sender does not take part in: that must not land in it (it is flagged)."""
    hints = message.reply
    if hints.ticket_id is not None:
        return Ticket.objects.select_related("status").get(pk=hints.ticket_id)
    candidate: Ticket | None = None
    # With its assignee: a reply tells them (`notify_requester_replied`).
    tickets = Ticket.objects.select_related("assignee")
    numbers = [n for n in map(ticket_number_from_message_id, hints.message_ids) if n is not None]
    if numbers:
        candidate = tickets.filter(number=numbers[0]).first()
    if candidate is None and hints.message_ids:
        known = (
            Message.objects.filter(message_id__in=list(hints.message_ids)[:50])
            .select_related("ticket__assignee")
            .only("ticket")  # not the message's own text
            .order_by("-created_at")
            .first()
        )
        candidate = known.ticket if known else None
    if candidate is None and hints.ticket_number is not None:
        candidate = tickets.filter(number=hints.ticket_number).first()
    if candidate is None:
        return None
    while candidate.merged_into_id is not None:
        candidate = tickets.get(pk=candidate.merged_into_id)
    return candidate if _takes_part(candidate, contact) else candidate.pk


def _takes_part(ticket: Ticket, contact: Contact | None) -> bool:
    """The sender is the ticket's requester or one of its participants: only then may
    their mail land in it."""
    return contact is not None and (
        ticket.requester_id == contact.pk or ticket.participants.filter(pk=contact.pk).exists()
    )


def _machine_mail(message: InboundMessage, raw: RawInput) -> IntakeResult:
    """Auto-replies and bounces: a system note on the ticket whose mail they answer, else
    ignored. Only our signed Message-IDs count: anyone can write a number in a subject.
    And, as for a person's reply, only from someone who takes part in the ticket (or a
    bounce of our mail to such a person): a stranger who learnt a Message-ID writes
    nothing into the ticket."""
    numbers = [n for n in map(ticket_number_from_message_id, message.reply.message_ids) if n]
    target = Ticket.objects.filter(number=numbers[0]).first() if numbers else None
    if target is None:
        why = str(message.meta.get("auto_reason") or "machine mail")
        return IntakeResult(Result.IGNORED, reason=f"machine mail, not about a ticket: {why}")
    while target.merged_into_id is not None:
        target = Ticket.objects.get(pk=target.merged_into_id)
    senders = [message.sender, *(Sender(email=a) for a in message.failed_recipients)]
    if not any(_takes_part(target, find_contact(s)) for s in senders):
        return IntakeResult(
            Result.IGNORED,
            reason=f"machine mail from someone who does not take part in ticket "
            f"{target.display_number}",
        )
    _add_inbound(target, message, raw, None, kind=Message.Kind.SYSTEM)
    return IntakeResult(Result.APPENDED, ticket_number=target.number, ticket_id=target.pk)


def _append(
    message: InboundMessage, raw: RawInput, contact: Contact, ticket: Ticket
) -> IntakeResult:
    msg = _add_inbound(ticket, message, raw, contact)
    if ticket.state == StatusCategory.RESOLVED:
        change_status(
            ticket,
            catalog.status_for(StatusCategory.OPEN, "reopened"),
            actor_contact=contact,
            channel=message.channel,
            event_kind=EventKind.REOPENED,
            at=message.received_at,
        )
    elif ticket.state == StatusCategory.PENDING:
        change_status(
            ticket,
            catalog.status_for(StatusCategory.OPEN),
            actor_contact=contact,
            channel=message.channel,
            at=message.received_at,
        )
    notifications.notify_requester_replied(ticket, msg.pk)
    return IntakeResult(Result.APPENDED, ticket_number=ticket.number, ticket_id=ticket.pk)


def _open(
    message: InboundMessage,
    raw: RawInput,
    contact: Contact | None,
    verification: str,
    *,
    follow_up_of: Ticket | None = None,
    suspicious_of: int | None = None,
) -> IntakeResult:
    """Open a ticket; ``contact`` None is a new sender, registered here."""
    match = identify_client(contact, message.sender, message.subject, message.text, message.fields)
    # The organization owns the sender's domain: the sender is one of its people (a new
    # one is created so, rather than inserted and then updated).
    by_domain = match.organization if match.identified_by == "email_domain" else None
    if contact is None:
        proven = message.sender.authenticated and message.channel == Channel.EMAIL
        contact = create_contact(
            message.sender,
            by_domain,
            email_confirmed_by=ContactAddress.Confirmation.AUTHENTICATED if proven else "",
        )
    elif by_domain is not None and contact.organization_id is None:
        contact.organization = by_domain
        contact.save(update_fields=["organization"])
    category = (
        Category.objects.filter(slug=message.category, is_active=True)
        .select_related("team")
        .first()
        if message.category
        else None
    )
    urgency = message.urgency if message.urgency in Urgency.values else Urgency.NORMAL
    is_client = match.organization is not None and match.organization.is_client
    priority: Priority = choose_priority(urgency, is_client=is_client)
    flag = ""
    if suspicious_of is not None:
        flag = "follow-up to a ticket the sender does not take part in"
    # Routed before the insert, so the ticket is written once, in its team's queue.
    routed = routing.choose_route(
        Ticket(
            subject=message.subject or "—",
            category=category,
            organization=match.organization,
            contract=match.contract,
            channel=message.channel,
        ),
        message.text,
    )
    ticket = open_ticket(
        subject=message.subject,
        requester=contact,
        channel=message.channel,
        priority=priority,
        organization=match.organization,
        contract=match.contract,
        identified_by=match.identified_by,
        category=category,
        team=routed[0],
        urgency=urgency,
        fields={k: str(v)[:5000] for k, v in message.fields.items()},
        verification=verification,
        flag_reason=flag,
        at=message.received_at,
    )
    route_and_assign(ticket, message.text, at=message.received_at, routed=routed)
    # The registration notice first: a notice about withheld files refers to it.
    notifications.notify_ticket_created(
        ticket,
        contact,
        in_reply_to=message.message_id,
        echo=verification != Verification.NONE,
        acknowledge=not message.auto_suspected,
    )
    _add_inbound(ticket, message, raw, contact)
    if follow_up_of is not None:
        link_tickets(ticket, follow_up_of, TicketLink.Kind.FOLLOW_UP, channel=message.channel)
    if suspicious_of is not None:
        other = Ticket.objects.get(pk=suspicious_of)
        link_tickets(ticket, other, TicketLink.Kind.RELATED, channel=message.channel)
    return IntakeResult(Result.CREATED, ticket_number=ticket.number, ticket_id=ticket.pk)


def _add_inbound(
    ticket: Ticket,
    message: InboundMessage,
    raw: RawInput,
    contact: Contact | None,
    *,
    kind: str = Message.Kind.REPLY,
) -> Message:
    meta: dict[str, Any] = dict(message.meta)
    if message.cc:
        meta["cc"] = list(message.cc)
    if message.auto_generated:
        meta["auto_generated"] = True
    if message.auto_suspected:
        meta["auto_suspected"] = True
    # The channel policy of the ticket's contract (R9): files it does not admit are
    # stored and flagged, out of the thread, and the sender is told once.
    rules = policy_for(ticket.contract, message.channel) if message.attachments else None
    withheld = screen(message.attachments, rules) if rules is not None else []
    msg = add_message(
        ticket,
        direction=Message.Direction.INBOUND,
        kind=kind,
        channel=message.channel,
        text=message.text,
        html=message.html,
        subject=message.subject,
        author_contact=contact,
        external_id=message.external_id,
        message_id=message.message_id,
        raw=raw,
        attachments=message.attachments,
        withheld={item.index: item.detail for item in withheld},
        meta=meta,
        at=message.received_at,
        html_sanitized=True,
    )
    if rules is not None and withheld and contact is not None and not message.auto_generated:
        notifications.notify_attachments_withheld(
            ticket,
            contact,
            message_pk=msg.pk,
            in_reply_to=message.message_id,
            withheld=withheld,
            policy=rules,
        )
    return msg
