"""The `zayavka` command: Django's management commands under one name.

`zayavka serve`, `zayavka worker`, `zayavka demo`, `zayavka quarantine list`,
`zayavka migrate` ... and `zayavka manage <anything manage.py takes>`.
"""

from __future__ import annotations

import json
import os
import sys

EX_TEMPFAIL = 75


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
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
