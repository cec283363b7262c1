"""The phone channel's pure step: a call as the agent wrote it down, kept as JSON, into
the InboundMessage intake takes. No database here.

`raw_call` is what is kept of the call; `parse` reads it, on arrival and when a
quarantined call is replayed, so that a replay opens the same ticket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from zayavka.accounts.models import Channel
from zayavka.tickets.inbound import InboundMessage, Sender


@dataclass(frozen=True)
class CallRecord:
    """A call as recorded: who took it, the one key the caller is found by, and the
    request. `category` is the category's slug."""

    recorded_by: int
    recorded_by_name: str
    sender: Sender
    subject: str
    description: str
    category: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)
    urgency: str = ""


def raw_call(record: CallRecord) -> bytes:
    """The call as it is kept: JSON, everything `parse` needs."""
    sender = record.sender
    data = {
        "recorded_by": record.recorded_by,
        "recorded_by_name": record.recorded_by_name,
        "sender": {"name": sender.name, "email": sender.email, "phone": sender.phone},
        "subject": record.subject,
        "description": record.description,
        "category": record.category,
        "fields": dict(record.fields),
        "urgency": record.urgency,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def parse(raw: bytes, external_id: str) -> InboundMessage:
    """A call kept by `raw_call` as the InboundMessage for intake (channel "phone").

    The caller is never authenticated: a phone number proves nothing (R27). Who
    recorded the call goes into the message's meta («recorded by …» in the thread).
    ValueError when `raw` is not such a call.
    """
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("a phone call is a JSON object")
    sender = data.get("sender") or {}
    answers = data.get("fields") or {}
    if not isinstance(sender, dict) or not isinstance(answers, dict):
        raise ValueError("a phone call's sender and fields are JSON objects")
    meta: dict[str, object] = {"recorded_by": data.get("recorded_by")}
    if data.get("recorded_by_name"):
        meta["recorded_by_name"] = str(data["recorded_by_name"])
    return InboundMessage(
        channel=Channel.PHONE,
        external_id=external_id,
        raw=raw,
        sender=Sender(
            name=str(sender.get("name") or ""),
            email=str(sender.get("email") or ""),
            phone=str(sender.get("phone") or ""),
        ),
        subject=str(data.get("subject") or ""),
        text=str(data.get("description") or ""),
        urgency=str(data.get("urgency") or ""),
        category=str(data.get("category") or ""),
        fields={str(k): str(v) for k, v in answers.items()},
        meta=meta,
    )
