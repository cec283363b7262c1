"""The API as a channel of intake: a created ticket is an input like a mail or a form,
kept raw (as JSON) and turned into the InboundMessage intake takes (channel "api").

Pure: `raw_request` and `parse` read and write no database. Intake keeps the parsed
message beside the raw request (its envelope), so a quarantined request is replayed from
that; the API has no input intake could not parse, hence no entry in `RAW_PARSERS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from zayavka.accounts.models import Channel
from zayavka.tickets.inbound import InboundMessage, Sender


@dataclass(frozen=True)
class ApiRequest:
    """A ticket a token files: for whom, what, and which token."""

    token_id: int
    sender: Sender
    subject: str
    description: str
    urgency: str = ""
    category: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)


def raw_request(request: ApiRequest) -> bytes:
    data = {
        "token": request.token_id,
        "sender": {
            "email": request.sender.email,
            "phone": request.sender.phone,
            "name": request.sender.name,
            "organization": request.sender.organization,
            "authenticated": request.sender.authenticated,
        },
        "subject": request.subject,
        "description": request.description,
        "urgency": request.urgency,
        "category": request.category,
        "fields": dict(request.fields),
    }
    return json.dumps(data, ensure_ascii=False).encode()


def parse(raw: bytes, external_id: str) -> InboundMessage:
    """The InboundMessage of a request kept by `raw_request`. Only a request an
    integration vouched for (`on_behalf_of`) is authenticated. ValueError for anything
    that is not such a request."""
    data = json.loads(raw)
    if not isinstance(data, dict) or not isinstance(data.get("sender"), dict):
        raise ValueError("an API request is a JSON object with a sender")
    who = data["sender"]
    answers = data.get("fields") or {}
    if not isinstance(answers, dict):
        raise ValueError("an API request's fields are a JSON object")
    return InboundMessage(
        channel=Channel.API,
        external_id=external_id,
        raw=raw,
        sender=Sender(
            email=str(who.get("email") or ""),
            phone=str(who.get("phone") or ""),
            name=str(who.get("name") or ""),
            organization=str(who.get("organization") or ""),
            authenticated=who.get("authenticated") is True,
        ),
        subject=str(data.get("subject") or ""),
        text=str(data.get("description") or ""),
        urgency=str(data.get("urgency") or ""),
        category=str(data.get("category") or ""),
        fields={str(k): str(v) for k, v in answers.items()},
        meta={"api_token": data.get("token")},
    )
