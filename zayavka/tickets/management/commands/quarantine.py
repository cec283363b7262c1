from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zayavka.tickets.actions import intake
from zayavka.tickets.models import RawInput


class Command(BaseCommand):
    help = (
        "List quarantined inputs (or ignored ones: `--ignored`), or replay one: "
        "`quarantine list`, `quarantine retry ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="inputs waiting in quarantine")
        listing.add_argument("--json", action="store_true", help="one JSON object per line")
        listing.add_argument(
            "--ignored",
            action="store_true",
            help="list the inputs deliberately ignored (machine mail) instead, with the reason",
        )
        retry = sub.add_parser("retry", help="run a quarantined input through intake again")
        retry.add_argument("ids", nargs="+", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(as_json=options["json"], ignored=options["ignored"])
        else:
            self._retry(options["ids"])

    def _list(self, *, as_json: bool, ignored: bool = False) -> None:
        state = RawInput.State.IGNORED if ignored else RawInput.State.QUARANTINED
        rows = RawInput.objects.filter(state=state).order_by("received_at")
        for raw in rows:
            if as_json:
                self.stdout.write(
                    json.dumps(
                        {
                            "id": raw.pk,
                            "channel": raw.channel,
                            "external_id": raw.external_id,
                            "received_at": raw.received_at.isoformat(),
                            "attempts": raw.attempts,
                            "reason": raw.reason,
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                reason = raw.reason.splitlines()[0] if raw.reason else ""
                self.stdout.write(
                    f"{raw.pk}\t{raw.channel}\t{raw.received_at:%Y-%m-%d %H:%M}\t"
                    f"{raw.external_id[:60]}\t{reason[:120]}"
                )

    def _retry(self, ids: list[int]) -> None:
        failed = False
        for raw_id in ids:
            if not RawInput.objects.filter(pk=raw_id).exists():
                raise CommandError(f"no input with id {raw_id}")
            result = intake.retry(raw_id)
            failed |= result.result == intake.Result.QUARANTINED
            self.stdout.write(
                json.dumps(
                    {"id": raw_id, **result.as_json(), "reason": result.reason}, ensure_ascii=False
                )
            )
        if failed:
            raise CommandError("some inputs are still in quarantine")
