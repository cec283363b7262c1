from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from zayavka.channels.email.imap import run_forever as poll_mailboxes_forever
from zayavka.core.jobs import beat
from zayavka.core.queue import get_huey
from zayavka.tickets.outbox import dispatch_forever


class Command(BaseCommand):
    help = (
        "Run the background worker: the outbox dispatcher, the IMAP poller and the periodic "
        "jobs (with their scheduler)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Run the jobs another process's scheduler queues (Redis), not the scheduler.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        huey = get_huey()
        beat()  # healthy from the first second, not from the first minute
        consumer = huey.create_consumer(
            workers=options["workers"] or settings.ZAYAVKA_WORKERS,
            worker_type="thread",
            periodic=not options["no_scheduler"],
            check_worker_health=True,
        )
        stop = threading.Event()
        dispatcher = threading.Thread(
            target=dispatch_forever,
            args=(stop, settings.ZAYAVKA_OUTBOX_POLL_SECONDS),
            name="outbox",
            daemon=True,
        )
        dispatcher.start()
        poller = threading.Thread(
            target=poll_mailboxes_forever, args=(stop,), name="imap-poller", daemon=True
        )
        poller.start()
        try:
            consumer.run()
        finally:
            stop.set()
            dispatcher.join(timeout=30)
            poller.join(timeout=30)
