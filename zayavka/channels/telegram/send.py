"""The outbox's Telegram handler: one row is one sendMessage to a chat.

The bot's own answers carry their text (`chat.say`); ticket notices (registration,
an agent's reply, resolution) are rendered from ``telegram/<template>.txt`` in the
row's language. A 429 tells the outbox to try again no sooner than Telegram's
``retry_after``; other failures take the outbox's usual backoff.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from zayavka.channels.telegram.api import BotApi, BotApiError
from zayavka.channels.telegram.chat import BOT_TEXT
from zayavka.tickets.models import Outbox
from zayavka.tickets.outbox import RetryLater, render_text

MAX_TEXT = 4096


def text_of(item: Outbox) -> str:
    if item.template == BOT_TEXT:
        return str(item.context.get("text", ""))
    with translation.override(item.language or settings.LANGUAGE_CODE):
        return render_text(f"telegram/{item.template}.txt", item.context).strip()


def deliver(item: Outbox) -> None:
    text = text_of(item)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    params: dict[str, object] = {"chat_id": int(item.recipient), "text": text}
    markup = item.context.get("reply_markup")
    if markup:
        params["reply_markup"] = markup
    api = BotApi()
    try:
        api.call("sendMessage", params)
    except BotApiError as exc:
        if exc.code == 429 and exc.retry_after > 0:
            raise RetryLater(str(exc), seconds=exc.retry_after) from None
        raise
    finally:
        api.close()
