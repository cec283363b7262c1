"""The one shape every channel hands to intake: an InboundMessage.

Pure data, no database: channels build it, intake consumes it, and the
quarantine keeps it as JSON (the envelope) so that a retry replays exactly
what the channel saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from django.utils import timezone

MAX_SUBJECT = 500
# The longest external id kept as it is; a longer one is keyed on its hash (no cut, which
# would make two ids sharing their first 500 characters one).
MAX_EXTERNAL_ID = 500


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str = "application/octet-stream"
    content: bytes = b""
    inline: bool = False
    content_id: str = ""
    # Filled in by intake once the bytes are stored.
    storage_key: str = ""
    sha256: str = ""
    size: int = 0

    @property
    def byte_size(self) -> int:
        return self.size or len(self.content)


@dataclass(frozen=True)
class Sender:
    """Who the channel says sent the input; any of the keys may be empty."""

    email: str = ""
    phone: str = ""
    telegram_id: str = ""
    name: str = ""
    organization: str = ""
    # The language the channel knows the sender reads ("ru", "en"; "" unknown): a new
    # contact gets it for our notices.
    language: str = ""
    # True when the channel proved the identity: a signed-in portal user, a DKIM/DMARC
    # pass recorded by our own MTA, a Telegram account linked to the contact.
    authenticated: bool = False


@dataclass(frozen=True)
class ReplyHints:
    """What may tie the input to an existing ticket."""

    # Set only by a channel that has already checked access (portal, API, agent UI).
    ticket_id: int | None = None
    # Message-IDs from In-Reply-To and References, nearest first.
    message_ids: tuple[str, ...] = ()
    # A ticket number quoted in the subject, e.g. "[#10042]".
    ticket_number: int | None = None


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    external_id: str
    raw: bytes
    sender: Sender
    received_at: datetime = field(default_factory=timezone.now)
    subject: str = ""
    text: str = ""
    html: str = ""
    attachments: tuple[InboundAttachment, ...] = ()
    reply: ReplyHints = ReplyHints()
    urgency: str = ""
    category: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    cc: tuple[str, ...] = ()
    message_id: str = ""
    # Machine mail (auto-replies, bounces, lists) never opens a ticket nor gets a reply.
    auto_generated: bool = False
    # Only the subject reads like an auto-reply: a ticket all the same, but no automatic
    # acknowledgement, which a real auto-responder would answer again.
    auto_suspected: bool = False
    # A bounce: the addresses our mail failed to reach, as the report names them.
    failed_recipients: tuple[str, ...] = ()
    # What the channel could not read or keep of the input (parts dropped, nesting too
    # deep): the ticket is flagged with it, for an agent to look at the raw input.
    problems: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def with_defaults(self) -> InboundMessage:
        """Fill what intake relies on: an external id, a bounded subject."""
        external_id = self.external_id or "sha256:" + hashlib.sha256(self.raw).hexdigest()
        if len(external_id) > MAX_EXTERNAL_ID:
            external_id = "id-sha256:" + hashlib.sha256(external_id.encode()).hexdigest()
        subject = " ".join(self.subject.split())[:MAX_SUBJECT]
        return replace(self, external_id=external_id, subject=subject)

    def to_envelope(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw")
        data["received_at"] = self.received_at.isoformat()
        data["attachments"] = [
            {k: v for k, v in att.items() if k != "content"} for att in data["attachments"]
        ]
        data["reply"]["message_ids"] = list(self.reply.message_ids)
        data["cc"] = list(self.cc)
        data["failed_recipients"] = list(self.failed_recipients)
        data["problems"] = list(self.problems)
        return data

    def content_digest(self) -> str:
        """What makes two inputs the same message, whatever route they took (trace headers
        differ): see ``content_digest``. Attachments must be stored (their sha256 set)."""
        return content_digest(self.to_envelope())

    @classmethod
    def from_envelope(cls, data: dict[str, Any], raw: bytes) -> InboundMessage:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["raw"] = raw
        values["sender"] = Sender(**values.get("sender", {}))
        reply = dict(values.get("reply", {}))
        reply["message_ids"] = tuple(reply.get("message_ids", ()))
        values["reply"] = ReplyHints(**reply)
        values["attachments"] = tuple(
            InboundAttachment(**att) for att in values.get("attachments", ())
        )
        values["cc"] = tuple(values.get("cc", ()))
        values["failed_recipients"] = tuple(values.get("failed_recipients", ()))
        values["problems"] = tuple(values.get("problems", ()))
        values["received_at"] = datetime.fromisoformat(values["received_at"])
        return cls(**values)


def content_digest(envelope: dict[str, Any]) -> str:
    """A hash of an input's content as its envelope keeps it: the sender, subject, text,
    HTML and the attachments' hashes."""
    sender = envelope.get("sender") or {}
    parts = [
        sender.get("email", ""),
        sender.get("phone", ""),
        sender.get("telegram_id", ""),
        envelope.get("subject", ""),
        envelope.get("text", ""),
        envelope.get("html", ""),
        [att.get("sha256", "") for att in envelope.get("attachments") or ()],
    ]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
