"""The Telegram channel's pure step: an update as the Bot API sent it (JSON) into what
the receiver does with it. No database here.

`read_update` checks the shape every update has; `parse` turns a message update into
the InboundMessage for intake, which the receiver completes (`receive.inbound_for`) on
arrival and when a quarantined update is replayed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from zayavka.accounts.models import Channel
from zayavka.tickets.inbound import InboundMessage, Sender

SUBJECT_CHARS = 120
MAX_UPDATE_ID = 2**63  # the column is a 64-bit integer
# The kinds of content a message may carry instead of text (Bot API "Message").
MEDIA = (
    "photo",
    "document",
    "voice",
    "audio",
    "video",
    "video_note",
    "sticker",
    "animation",
    "location",
    "poll",
)


def read_update(raw: bytes) -> dict[str, Any]:
    """The update as a dict with an integer ``update_id``; ValueError otherwise."""
    try:
        # UTF-8 only, as the Bot API sends: the update is kept as that text.
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("an update is a JSON object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ValueError("no update_id")
    if not 0 <= update_id < MAX_UPDATE_ID:
        raise ValueError("update_id out of range")
    return data


def message_of(update: dict[str, Any]) -> dict[str, Any] | None:
    """The new message an update carries from a private chat with a person; None for
    other updates (edits, callbacks, membership changes, groups, channels)."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, sender = message.get("chat"), message.get("from")
    if not isinstance(chat, dict) or not isinstance(sender, dict):
        raise ValueError("a message without its chat or sender")
    if not isinstance(chat.get("id"), int) or not isinstance(sender.get("id"), int):
        raise ValueError("a message whose chat or sender has no id")
    if chat.get("type") != "private" or sender.get("is_bot"):
        return None
    return message


def text_of(message: dict[str, Any]) -> str:
    text = message.get("text") or message.get("caption") or ""
    return text if isinstance(text, str) else ""


def media_of(message: dict[str, Any]) -> str:
    """The kind of content the message carries besides text ("" for none)."""
    return next((kind for kind in MEDIA if kind in message), "")


def sender_name(person: dict[str, Any]) -> str:
    parts = [person.get("first_name"), person.get("last_name")]
    name = " ".join(str(p) for p in parts if isinstance(p, str) and p.strip())
    return name or str(person.get("username") or "")


def language_of(person: dict[str, Any]) -> str:
    """The language of our answers: English for an English-speaking app, else Russian."""
    code = person.get("language_code")
    return "en" if isinstance(code, str) and code.lower().startswith("en") else "ru"


def subject_of(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) <= SUBJECT_CHARS:
        return first
    return first[: SUBJECT_CHARS - 1].rstrip() + "…"


def parse(raw: bytes, external_id: str) -> InboundMessage:
    """A message update as the InboundMessage for intake (channel "telegram").

    The sender is the Telegram account (its id is the chat's in a private chat), not
    authenticated: the receiver marks it so when the chat is linked to a contact.
    ValueError for an update that is not a person's text message.
    """
    update = read_update(raw)
    message = message_of(update)
    if message is None:
        raise ValueError("not a message from a private chat")
    text = text_of(message)
    if not text.strip():
        raise ValueError("a message without text")
    person = message["from"]
    date = message.get("date")
    received = datetime.fromtimestamp(date, UTC) if isinstance(date, int) else None
    inbound = InboundMessage(
        channel=Channel.TELEGRAM,
        external_id=external_id or f"update:{update['update_id']}",
        raw=raw,
        sender=Sender(
            telegram_id=str(person["id"]), name=sender_name(person), language=language_of(person)
        ),
        subject=subject_of(text),
        text=text,
        meta={
            "telegram": {
                "chat_id": message["chat"]["id"],
                "message_id": message.get("message_id"),
                "language": language_of(person),
            }
        },
    )
    return inbound if received is None else replace(inbound, received_at=received)
