"""The web channel's pure step: what a form's sender typed, checked by the form, into
the InboundMessage intake takes. No database, no files read here.

A request from the web form is kept raw as JSON (`raw_request`); `parse` reads that
JSON, on arrival and when a quarantined request is replayed, so that a replay opens the
same ticket. The files are not in the JSON: the receiver adds them on arrival, and a
replay from the envelope (what intake keeps of every input it took) has them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from zayavka.accounts.models import Channel
from zayavka.tickets.inbound import InboundMessage, ReplyHints, Sender

_TEXTS = ("company", "name", "email", "phone", "category", "urgency", "subject", "description")


@dataclass(frozen=True)
class WebRequest:
    """A request as the web form checked it."""

    company: str
    name: str
    email: str
    phone: str
    subject: str
    description: str
    urgency: str = ""
    category: str = ""  # the category's slug
    answers: Mapping[str, str] = field(default_factory=dict)
    # A signed-in requester filing as their own contact (R27); `email` is then theirs.
    authenticated: bool = False


def raw_request(request: WebRequest) -> bytes:
    """The request as it is kept: JSON, everything `parse` needs."""
    data = {
        "company": request.company,
        "name": request.name,
        "email": request.email,
        "phone": request.phone,
        "category": request.category,
        "urgency": request.urgency,
        "subject": request.subject,
        "description": request.description,
        "fields": dict(request.answers),
        "authenticated": request.authenticated,
    }
    return json.dumps(data, ensure_ascii=False).encode()


def parse(raw: bytes, external_id: str) -> InboundMessage:
    """A request kept by `raw_request` as the InboundMessage for intake (channel "web").

    The typed phone goes with the answers, not the sender: it proves nothing and must
    not pick out a registered contact (intake matches senders by phone too). Only a
    signed-in requester is authenticated; anyone else is whoever they typed.
    ValueError when `raw` is not such a request.
    """
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("a web request is a JSON object")
    text = {key: str(data.get(key) or "") for key in _TEXTS}
    answers = data.get("fields") or {}
    if not isinstance(answers, dict):
        raise ValueError("a web request's fields are a JSON object")
    fields = {str(k): str(v) for k, v in answers.items()}
    fields |= {"company": text["company"], "phone": text["phone"]}
    return InboundMessage(
        channel=Channel.WEB,
        external_id=external_id,
        raw=raw,
        sender=Sender(
            email=text["email"],
            name=text["name"],
            organization=text["company"],
            authenticated=data.get("authenticated") is True,
        ),
        subject=text["subject"],
        text=text["description"],
        urgency=text["urgency"],
        category=text["category"],
        fields=fields,
    )


def parse_reply(
    text: str, *, ticket_id: int, subject: str, email: str, name: str, external_id: str
) -> InboundMessage:
    """A signed-in requester's reply from the portal (channel "portal"): an inbound
    message on a ticket the portal has let them see. Its raw input is the text alone;
    the reply is not replayed from it (nothing there says whose, nor to which ticket)."""
    return InboundMessage(
        channel=Channel.PORTAL,
        external_id=external_id,
        raw=text.encode(),
        sender=Sender(email=email, name=name, authenticated=True),
        subject=subject,
        text=text,
        reply=ReplyHints(ticket_id=ticket_id),
    )
