"""What the bot says to a chat: an outbox row of kind "telegram", delivered by the
worker with retries (`send.deliver`), written in the transaction of what it answers."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from zayavka.tickets import notices
from zayavka.tickets.models import Outbox

BOT_TEXT = "bot_text"


def say(
    chat_id: int,
    text: str,
    *,
    dedupe_key: str,
    language: str,
    reply_markup: dict[str, Any] | None = None,
) -> None:
    """Queue `text` (already in the chat's language) to the chat, once per dedupe key."""
    context: dict[str, Any] = {"text": text}
    if reply_markup is not None:
        context["reply_markup"] = reply_markup
    notices.queue(
        [
            notices.build(
                kind=Outbox.Kind.TELEGRAM,
                recipient=str(chat_id),
                template=BOT_TEXT,
                dedupe_key=f"telegram:{dedupe_key}",
                audience=notices.Audience.REQUESTER,
                language=language,
                # An answer to what the person just did: never held back by the caps.
                capped=False,
                context=context,
            )
        ]
    )


def in_language(language: str, text: Any) -> str:
    """A lazy translation rendered in the chat's language."""
    with translation.override(language):
        return str(text)
