"""The Telegram channel: a bot that turns chat messages into tickets and agents' replies
into chat messages.

Updates arrive by webhook (`views.webhook`, when a secret is configured) or by long
polling (`poll`, run by `zayavka telegram poll` and by `zayavka serve`). Either way
`receive.take` keeps the raw update (`TelegramUpdate`, unique by update id) before
anything else, then handles it once: a text goes to `intake.receive` (the pure step is
`parse.parse`, also `intake.RAW_PARSERS["telegram"]`), `/start <token>` and a shared
phone number link the chat to a contact (`link`). What the desk tells the chat is an
outbox row that `send.deliver` posts with sendMessage (`HANDLERS["telegram"]`).

The Bot API is spoken over HTTP with httpx (`api`), not through python-telegram-bot:
its Application and Updater are asyncio-only and the Updater confirms an update (the
next getUpdates offset) once it is in its in-memory queue, before a handler has
committed it; our actions are synchronous Django code and the offset must move only
after the commit.
"""
