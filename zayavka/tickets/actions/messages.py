"""The thread of a ticket: messages that come in, the desk's public replies and internal
notes, and the abuse mark on a requester's message (R29).

A reply also goes to the requester by email (through the outbox, in the same
transaction); a note stays inside the desk. The agent's files are checked against the
limits (`uploads`) and stored before the transaction, like intake stores what arrives:
a rolled-back reply leaves at most an orphan blob.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zayavka.accounts.models import Channel, Contact, User
from zayavka.core.storage import store_blob
from zayavka.tickets import access, catalog, fulltext, notifications
from zayavka.tickets.actions.events import iso_utc, record_event
from zayavka.tickets.actions.tickets import change_status, record_first_response
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import (
    Attachment,
    EventKind,
    Message,
    RawInput,
    Status,
    StatusCategory,
    Ticket,
)
from zayavka.tickets.policy import default_policy
from zayavka.tickets.sanitize import sanitize_html
from zayavka.tickets.uploads import (
    MAX_TEXT,
    Upload,
    check_files,
    max_total_bytes,
    safe_content_type,
    safe_filename,
)


def add_message(
    ticket: Ticket,
    *,
    direction: str,
    channel: str,
    text: str,
    html: str = "",
    kind: str = Message.Kind.REPLY,
    subject: str = "",
    author_contact: Contact | None = None,
    author_user: User | None = None,
    external_id: str = "",
    message_id: str = "",
    raw: RawInput | None = None,
    attachments: Iterable[InboundAttachment] = (),
    withheld: dict[int, str] | None = None,
    meta: dict[str, Any] | None = None,
    at: datetime | None = None,
    html_sanitized: bool = False,
) -> Message:
    """Append a message to the ticket's thread; attachments must already be stored.

    `html` is sanitised here unless the caller did it before its transaction
    (`html_sanitized`, as intake does: sanitising can take long, and the transaction
    holds the database's write lock); what is stored is shown as it is.
    `withheld` maps positions in `attachments` to why the channel policy keeps that
    file out of the thread: it is stored all the same, flagged, and the event says so.
    """
    # No savepoint, like `open_ticket`: intake's transaction is the unit of work.
    with transaction.atomic(savepoint=False):
        held = withheld or {}
        now = at or timezone.now()
        message = Message.objects.create(
            ticket=ticket,
            direction=direction,
            kind=kind,
            channel=channel,
            author_contact=author_contact,
            author_user=author_user,
            subject=subject[:500],
            text=text,
            html=html if html_sanitized or not html else sanitize_html(html),
            external_id=external_id[:500],
            message_id=message_id[:500],
            raw=raw,
            meta=meta or {},
            created_at=now,
        )
        fulltext.index_message(ticket.pk, text)
        rows = [
            Attachment(
                message=message,
                ticket=ticket,
                storage_key=att.storage_key,
                filename=att.filename[:255],
                content_type=att.content_type[:255],
                size=att.byte_size,
                sha256=att.sha256,
                is_inline=att.inline,
                content_id=att.content_id[:300],
                withheld=index in held,
                withheld_reason=held.get(index, "")[:300],
            )
            for index, att in enumerate(attachments)
        ]
        if rows:
            Attachment.objects.bulk_create(rows)
        kept_out = [row for row in rows if row.withheld]
        updates: dict[str, Any] = {"updated_at": now}
        if direction == Message.Direction.INBOUND and kind == Message.Kind.REPLY:
            updates["last_inbound_at"] = now
        if any(getattr(ticket, name) != value for name, value in updates.items()):
            Ticket.objects.filter(pk=ticket.pk).update(**updates)
            for name, value in updates.items():
                setattr(ticket, name, value)
        if (
            direction == Message.Direction.OUTBOUND
            and kind == Message.Kind.REPLY
            and author_user is not None
            and ticket.first_responded_at is None
        ):
            record_first_response(ticket, now)
        record_event(
            ticket,
            EventKind.MESSAGE,
            actor_user=author_user,
            actor_contact=author_contact,
            channel=channel,
            at=now,
            data={
                "message": message.pk,
                "direction": direction,
                "kind": kind,
                "attachments": len(rows),
                **({"withheld": len(kept_out)} if kept_out else {}),
            },
        )
        if kept_out:
            record_event(
                ticket,
                EventKind.ATTACHMENT_WITHHELD,
                actor_contact=author_contact,
                channel=channel,
                at=now,
                data={
                    "message": message.pk,
                    "attachments": [
                        {
                            "id": r.pk,
                            "filename": r.filename,
                            "size": r.size,
                            "reason": r.withheld_reason,
                        }
                        for r in kept_out
                    ],
                },
            )
    return message


def reply_to_requester(
    ticket: Ticket,
    author: User,
    text: str,
    uploads: Sequence[Upload] = (),
    *,
    then_status: Status | None = None,
    at: datetime | None = None,
) -> Message:
    """Add the agent's public reply to the thread and queue it to the requester by email.

    A reply to a new ticket puts it in progress, unless `then_status` names the status
    to move it to (waiting for the requester, resolved …). PermissionDenied when the
    author may not work on the ticket; ValidationError for empty text or refused files.
    The email is queued once per message, with the ticket number in its subject.
    """
    stored = _prepare(ticket, author, text, uploads)
    now = at or timezone.now()
    with transaction.atomic():
        message = add_message(
            ticket,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.REPLY,
            channel=Channel.AGENT,
            text=text,
            author_user=author,
            attachments=stored,
            at=now,
        )
        _queue_reply_email(ticket, message, author, [a.filename for a in stored])
        target = then_status
        if target is None and ticket.state == StatusCategory.NEW:
            target = catalog.status_for(StatusCategory.OPEN)
        if target is not None:
            change_status(ticket, target, actor_user=author, channel=Channel.AGENT, at=now)
    return message


def add_note(
    ticket: Ticket,
    author: User,
    text: str,
    uploads: Sequence[Upload] = (),
    *,
    at: datetime | None = None,
) -> Message:
    """Add an internal note: seen by the desk only, never sent to anyone."""
    stored = _prepare(ticket, author, text, uploads)
    with transaction.atomic():
        return add_message(
            ticket,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.NOTE,
            channel=Channel.AGENT,
            text=text,
            author_user=author,
            attachments=stored,
            at=at,
        )


def _prepare(
    ticket: Ticket, author: User, text: str, uploads: Sequence[Upload]
) -> list[InboundAttachment]:
    access.check_may_work(author, ticket)
    if not text.strip():
        raise ValidationError(_("Write some text."))
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long."))
    check_files(
        [(u.filename, len(u.content), u.content_type) for u in uploads],
        default_policy(),
        max_total=max_total_bytes(),
    )
    stored = []
    for upload in uploads:
        key, digest = store_blob("attachments", upload.content)
        stored.append(
            InboundAttachment(
                filename=safe_filename(upload.filename),
                content_type=safe_content_type(upload.content_type),
                storage_key=key,
                sha256=digest,
                size=len(upload.content),
            )
        )
    return stored


def _queue_reply_email(
    ticket: Ticket, message: Message, author: User, filenames: list[str]
) -> None:
    """The reply goes to the requester in the thread of their last message."""
    last_inbound = (
        ticket.messages.filter(direction=Message.Direction.INBOUND)
        .exclude(message_id="")
        .order_by("-created_at", "-pk")
        .values_list("message_id", flat=True)
        .first()
    )
    notifications.notify_reply(
        ticket, message, author, filenames=filenames, in_reply_to=last_inbound or ""
    )


def mark_abusive(
    message: Message, *, abusive: bool = True, by: User, at: datetime | None = None
) -> bool:
    """Mark a requester's message as abusive (R29), or take the mark off; a FLAGGED event
    with the message's id records it. Who marked it and when are kept on the message.
    Returns False when the message already was as asked. ValueError for a message that
    did not come from the requester; PermissionDenied when `by` may not work on its ticket.
    """
    if message.direction != Message.Direction.INBOUND:
        raise ValueError("only messages from the requester can be abusive")
    access.check_may_work(by, message.ticket)
    now = at or timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.is_abusive == abusive:
            return False
        meta = dict(locked.meta) if isinstance(locked.meta, dict) else {}
        if abusive:
            meta["abusive"] = {"by": by.pk, "at": iso_utc(now)}
        else:
            meta.pop("abusive", None)
        message.is_abusive = abusive
        message.meta = meta
        message.save(update_fields=["is_abusive", "meta"])
        record_event(
            message.ticket,
            EventKind.FLAGGED,
            actor_user=by,
            channel=Channel.AGENT,
            at=now,
            data={"message": message.pk, "abusive": abusive},
        )
    return True
