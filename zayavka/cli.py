"""The `zayavka` command: Django's management commands under one name.

`zayavka serve`, `zayavka worker`, `zayavka demo`, `zayavka quarantine list`,
`zayavka migrate` ... and `zayavka manage <anything manage.py takes>`.
"""

from __future__ import annotations

import json
import os
import sys

EX_TEMPFAIL = 75

# The product's own commands, one line each: what `zayavka`, `zayavka --help` print
# before pointing at Django's long list (`zayavka help`).
USAGE = """usage: zayavka <command> [options]

The desk:
  serve              run everything: migrations, demo data on first start, web server, worker
  worker             the background worker alone: outbox, IMAP poller, periodic jobs
Email:
  mail deliver       MTA pipe: one message on stdin (exit 75 asks the MTA to retry)
  mail listen        LMTP/SMTP listener (--lmtp|--smtp --host H --port P)
  mail poll          poll the IMAP mailboxes configured in the admin
  mail parse FILE    what the parser makes of a message
Operations:
  quarantine list    inputs that could not be processed, with the reason
  quarantine retry   replay quarantined inputs through intake
  sla due            a deadline in business minutes on a calendar
  migrate, createsuperuser, ...   any Django command (`zayavka help` lists them all)

`zayavka <command> --help` tells a command's options.
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in ([], ["-h"], ["--help"]):
        print(USAGE, end="")
        return 0
    if args[:1] == ["manage"]:
        args = args[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zayavka.settings")
    try:
        from django.conf import settings
        from django.core.management import execute_from_command_line

        # The embedded database lives in the data directory: it must exist before any
        # command (or Django's start-up checks) opens a connection.
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    except Exception as exc:
        if args[:2] == ["mail", "deliver"]:
            # An MTA retries on 75 (EX_TEMPFAIL); any other code may bounce the message.
            print(json.dumps({"result": "tempfail", "ticket": None}))
            print(f"zayavka: cannot start: {exc}", file=sys.stderr)
            return EX_TEMPFAIL
        raise
    execute_from_command_line(["zayavka", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
