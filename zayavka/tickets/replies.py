"""The desk's side of the thread: a reply to the requester and an internal note.

Both take the agent's text and files; the reply also goes to the requester by email
(through the outbox, in the same transaction), the note stays inside the desk.
Files are checked against the limits first and stored before the transaction, like
intake stores what arrives: a rolled-back reply leaves at most an orphan blob.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zayavka.accounts.models import Channel, User
from zayavka.core.storage import store_blob
from zayavka.tickets import access, actions, notifications
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import Message, Outbox, Status, StatusCategory, Ticket

MAX_FILES = 10
MAX_TEXT = 100_000
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")


@dataclass(frozen=True)
class Upload:
    """A file an agent attached, as the browser sent it."""

    filename: str
    content_type: str
    content: bytes


def max_file_bytes() -> int:
    limit: int = settings.ZAYAVKA_MAX_ATTACHMENT_BYTES
    return limit


def max_total_bytes() -> int:
    return 2 * max_file_bytes()


def check_uploads(files: Sequence[tuple[str, int]]) -> None:
    """Refuse too many files or too large ones, by (name, size), before reading them."""
    errors: list[str] = []
    if len(files) > MAX_FILES:
        errors.append(
            ngettext("Attach at most %(count)d file.", "Attach at most %(count)d files.", MAX_FILES)
            % {"count": MAX_FILES}
        )
    limit = max_file_bytes()
    for name, size in files:
        if size > limit:
            errors.append(
                _("%(name)s is larger than %(limit)s.")
                % {"name": safe_filename(name), "limit": filesizeformat(limit)}
            )
    if sum(size for _name, size in files) > max_total_bytes():
        errors.append(
            _("The files together are larger than %(limit)s.")
            % {"limit": filesizeformat(max_total_bytes())}
        )
    if errors:
        raise ValidationError(errors)


def safe_filename(name: str) -> str:
    """The file's own name without any path, control characters or surrounding dots."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    return name[:200] or "file"


def safe_content_type(content_type: str) -> str:
    value = content_type.split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else "application/octet-stream"


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
        message = actions.add_message(
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
            target = actions.status_for(StatusCategory.OPEN)
        if target is not None:
            actions.change_status(ticket, target, actor_user=author, channel=Channel.AGENT, at=now)
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
        return actions.add_message(
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
    if not access.can_work(author, ticket):
        raise PermissionDenied("may not work on this ticket")
    if not text.strip():
        raise ValidationError(_("Write some text."))
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The text is too long."))
    check_uploads([(u.filename, len(u.content)) for u in uploads])
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
    requester = ticket.requester
    last_inbound = (
        ticket.messages.filter(direction=Message.Direction.INBOUND)
        .exclude(message_id="")
        .order_by("-created_at", "-pk")
        .values_list("message_id", flat=True)
        .first()
    )
    dedupe_key = f"agent_reply:{message.pk}"
    notifications.queue_email(
        ticket=ticket,
        recipient=requester.email,
        template="agent_reply",
        dedupe_key=dedupe_key,
        language=requester.language,
        context={
            **notifications.ticket_context(ticket, echo=True),
            "text": message.text,
            "agent": author.display_name,
            "attachments": filenames,
        },
        in_reply_to=last_inbound or "",
        automatic=False,  # a person's reply: no Auto-Submitted, never held by the caps
    )
    # The link to the message lets delivery find the files to attach.
    Outbox.objects.filter(dedupe_key=dedupe_key).update(message=message)
