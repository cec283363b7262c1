"""`zayavka telegram poll [--once]`: the bot's long poller (getUpdates), until SIGTERM or
SIGINT, or one round with --once (one JSON line: how many updates were taken).
`zayavka serve` runs it whenever a token is configured and no webhook secret is."""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zayavka.channels.telegram import health
from zayavka.channels.telegram.api import BotApi, BotApiError
from zayavka.channels.telegram.poll import poll_once, run_forever


class Command(BaseCommand):
    help = "The Telegram bot: `telegram poll [--once]` long-polls the Bot API's getUpdates."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="take updates with getUpdates until stopped")
        poll.add_argument("--once", action="store_true", help="one getUpdates, no long wait")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ZAYAVKA_TELEGRAM_TOKEN:
            raise CommandError("ZAYAVKA_TELEGRAM_TOKEN is not set")
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
