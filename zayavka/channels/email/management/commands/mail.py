"""`zayavka mail deliver|parse|listen`: the email channel's ways in, and its debugger.

- ``mail deliver``: the MTA pipe. The raw message on stdin; exit 0 once it is stored,
  75 (EX_TEMPFAIL) when it is not, so the MTA retries, 65 (EX_DATAERR) when it is
  refused for good (larger than ``ZAYAVKA_MAIL_MAX_BYTES``), so the MTA bounces it.
  A message not processed within ``--timeout`` is quarantined with that reason (exit
  0): a retry would stall the same way. One JSON line on stdout.
- ``mail parse FILE... [--json]``: what the parser makes of each file.
- ``mail listen [--lmtp|--smtp] [--host H] [--port N]``: the LMTP/SMTP listener.
- ``mail poll [--mailbox NAME] [--forever]``: fetch from the IMAP mailboxes configured
  in the admin, once (one JSON line per mailbox) or until SIGTERM/SIGINT.

Imports are made per subcommand: the pipe runs once per message and must start fast.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

# Exit status when the message is not stored: sysexits.h EX_TEMPFAIL, "try again later".
EX_TEMPFAIL = 75
# A message refused for good (sysexits.h EX_DATAERR): the MTA bounces it, never retries.
EX_DATAERR = 65
_DRAIN_CHUNK = 64 * 1024
DEFAULT_DELIVER_TIMEOUT = 120.0


class _DeliveryTimeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` on the
    way (intake's own quarantine included) can mistake it for a processing error."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise _DeliveryTimeout(f"no result within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    try:
        return host.strip("[]") or "127.0.0.1", int(port)
    except ValueError as exc:
        raise CommandError(f"ZAYAVKA_LMTP_ADDRESS must be HOST:PORT, got {value!r}") from exc


class Command(BaseCommand):
    help = (
        "The email channel: `mail deliver` (MTA pipe, message on stdin), "
        "`mail parse FILE... [--json]`, `mail listen [--lmtp|--smtp]`, "
        "`mail poll [--mailbox NAME] [--forever]`."
    )
    # The pipe starts once per message: skip the system checks (URLs, admin, ...).
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser(
            "deliver",
            help="store the message read from stdin; exit 0 stored, 75 try again later",
        )
        deliver.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_DELIVER_TIMEOUT,
            help="seconds before the message is quarantined unprocessed (0: no limit)",
        )
        parse = sub.add_parser("parse", help="show what the parser reads in each file")
        parse.add_argument("files", nargs="+")
        parse.add_argument("--json", action="store_true", help="one JSON object per line")
        listen = sub.add_parser("listen", help="run the LMTP (or SMTP) listener")
        mode = listen.add_mutually_exclusive_group()
        mode.add_argument("--lmtp", dest="protocol", action="store_const", const="lmtp")
        mode.add_argument("--smtp", dest="protocol", action="store_const", const="smtp")
        listen.set_defaults(protocol="lmtp")
        listen.add_argument("--host", help="default: from ZAYAVKA_LMTP_ADDRESS")
        listen.add_argument("--port", type=int, help="default: from ZAYAVKA_LMTP_ADDRESS")
        listen.add_argument(
            "--max-size",
            type=int,
            default=None,
            help="bytes; larger: 552 (default: ZAYAVKA_MAIL_MAX_BYTES)",
        )
        listen.add_argument("--workers", type=int, default=4, help="intake threads")
        poll = sub.add_parser("poll", help="fetch new mail from the IMAP mailboxes")
        poll.add_argument(
            "--mailbox",
            action="append",
            dest="mailboxes",
            metavar="NAME",
            help="only this mailbox, even if inactive (repeatable); default: every active one",
        )
        poll.add_argument("--forever", action="store_true", help="keep polling until stopped")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "deliver":
            stream: BinaryIO = options.get("stdin") or sys.stdin.buffer
            self._deliver(stream, options["timeout"])
        elif action == "parse":
            self._parse(options["files"], as_json=options["json"])
        elif action == "poll":
            self._poll(options["mailboxes"] or [], forever=options["forever"])
        else:
            self._listen(options)

    def _deliver(self, stream: BinaryIO, timeout: float) -> None:
        limit: int = settings.ZAYAVKA_MAIL_MAX_BYTES
        # One read, bounded: the message's bytes are held once, and an oversized one
        # never whole (the rest is drained unkept, so that the MTA sees no broken pipe).
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            del raw
            while stream.read(_DRAIN_CHUNK):
                pass
            reason = f"message larger than {limit} bytes"
            self.stdout.write(json.dumps({"result": "refused", "ticket": None, "reason": reason}))
            raise CommandError(f"message refused: {reason}", returncode=EX_DATAERR)
        try:
            with _time_limit(timeout):
                from zayavka.channels.email.deliver import deliver

                result = deliver(raw)
        except _DeliveryTimeout:
            # Retrying would stall the same way, forever: keep it for the desk instead.
            result = self._quarantine_slow(raw, f"not processed within {timeout:g} s")
        except BaseException as exc:  # whatever it was, the message is not stored
            if isinstance(exc, SystemExit):
                raise
            self._tempfail(exc)
        self.stdout.write(json.dumps(result.as_json()))

    def _quarantine_slow(self, raw: bytes, reason: str) -> Any:
        from zayavka.channels.email.deliver import quarantine

        try:
            return quarantine(raw, reason)
        except Exception as exc:  # the database is the trouble: let the MTA retry
            self._tempfail(exc)

    def _tempfail(self, exc: BaseException) -> NoReturn:
        error = f"{exc.__class__.__name__}: {exc}"
        self.stdout.write(json.dumps({"result": "tempfail", "ticket": None}))
        raise CommandError(
            f"message not stored, try again later: {error}", returncode=EX_TEMPFAIL
        ) from exc

    def _parse(self, files: list[str], *, as_json: bool) -> None:
        from zayavka.channels.email.parsing import parse_message, to_json_dict

        missing: list[str] = []
        for name in files:
            try:
                raw = Path(name).read_bytes()
            except OSError as exc:
                self.stderr.write(f"{name}: {exc.strerror or exc}")
                missing.append(name)
                continue
            data = to_json_dict(parse_message(raw), name)
            if as_json:
                self.stdout.write(json.dumps(data, ensure_ascii=False))
            else:
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        if missing:
            raise CommandError(f"could not read {len(missing)} file(s)")

    def _listen(self, options: dict[str, Any]) -> None:
        import asyncio
        import logging

        from zayavka.channels.email.lmtp import MailListener

        default_host, default_port = _address(settings.ZAYAVKA_LMTP_ADDRESS)
        listener = MailListener(
            options["host"] or default_host,
            default_port if options["port"] is None else options["port"],
            protocol=options["protocol"],
            max_bytes=options["max_size"] or settings.ZAYAVKA_MAIL_MAX_BYTES,
            workers=options["workers"],
        )
        # aiosmtpd logs every connection at INFO: too chatty for a mail server's log.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            await listener.start()
            self.stdout.write(
                f"{listener.protocol.upper()} listener on {listener.host}:{listener.port}"
            )
            self.stdout.flush()
            try:
                await stop.wait()
            finally:
                await listener.close()

        asyncio.run(main())

    def _poll(self, names: list[str], *, forever: bool) -> None:
        from zayavka.channels.email import imap
        from zayavka.channels.email.models import Mailbox

        unknown = set(names) - set(
            Mailbox.objects.filter(name__in=names).values_list("name", flat=True)
        )
        if unknown:
            raise CommandError(f"no such mailbox: {', '.join(sorted(unknown))}")
        if not forever:
            reports = imap.poll_all(names=names or None)
            for report in reports:
                self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
            failed = [r.mailbox for r in reports if r.error]
            if failed:
                raise CommandError(f"could not poll: {', '.join(failed)}")
            return
        # The loop runs in a thread: a signal handler that set the stop event while the
        # main thread waited on that same event could deadlock on its lock.
        stop = threading.Event()
        poller = threading.Thread(
            target=imap.run_forever, args=(stop,), kwargs={"names": names or None}, name="imap"
        )
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: stop.set())
        poller.start()
        while poller.is_alive():
            poller.join(0.5)
