"""`zayavka telegram poll [--once]`: the bot's long poller (getUpdates), until SIGTERM or
SIGINT, or one round with --once (one JSON line: how many updates were taken).
`zayavka serve` runs it whenever a token is configured and no webhook secret is.

`zayavka telegram webhook`: register ``{SITE_URL}/telegram/webhook`` with the secret
(setWebhook); `zayavka telegram webhook --delete` goes back to polling."""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from zayavka.channels.telegram import health
from zayavka.channels.telegram.api import BotApi, BotApiError
from zayavka.channels.telegram.poll import ALLOWED_UPDATES, poll_once, run_forever


class Command(BaseCommand):
    help = "The Telegram bot: `telegram poll [--once]` long-polls the Bot API's getUpdates."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="take updates with getUpdates until stopped")
        poll.add_argument("--once", action="store_true", help="one getUpdates, no long wait")
        hook = sub.add_parser("webhook", help="register the webhook with the Bot API")
        hook.add_argument("--delete", action="store_true", help="remove it: back to polling")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ZAYAVKA_TELEGRAM_TOKEN:
            raise CommandError("ZAYAVKA_TELEGRAM_TOKEN is not set")
        if options["action"] == "webhook":
            self._webhook(delete=options["delete"])
            return
        if options["once"]:
            api = BotApi()
            try:
                _, taken = poll_once(api, None, timeout=0)
            except BotApiError as exc:
                health.record_failure(health.POLLER, str(exc))
                raise CommandError(str(exc)) from None
            finally:
                api.close()
            health.record_ok(health.POLLER)
            self.stdout.write(json.dumps({"taken": taken}))
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        run_forever(stop)

    def _webhook(self, *, delete: bool) -> None:
        api = BotApi()
        try:
            if delete:
                api.call("deleteWebhook", {"drop_pending_updates": False})
                self.stdout.write(json.dumps({"webhook": None}))
                return
            secret = settings.ZAYAVKA_TELEGRAM_WEBHOOK_SECRET
            if not secret:
                raise CommandError("ZAYAVKA_TELEGRAM_WEBHOOK_SECRET is not set")
            url = f"{settings.SITE_URL}{reverse('telegram:webhook')}"
            api.call(
                "setWebhook",
                {"url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES},
            )
            self.stdout.write(json.dumps({"webhook": url}))
        except BotApiError as exc:
            raise CommandError(str(exc)) from None
        finally:
            api.close()
