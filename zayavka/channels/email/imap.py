"""IMAP polling: the mailboxes configured in the admin feed intake.

Each message is read without touching its flags (``BODY.PEEK[]``), in UID order, handed
to ``deliver.deliver`` like the MTA pipe's, and marked on the server (tagged and marked
read, or moved to another folder) only once that returned, i.e. once its raw bytes are
committed. A crash between the two leaves the message unmarked: the next poll reads it
again and intake answers "duplicate" (the external id is the Message-ID, else the hash
of the raw bytes, which the server keeps unchanged). A connection, login, TLS or
storage failure stops the poll with a ``MailboxError``, recorded on the mailbox for the
admin; whatever was not marked stays on the server for the next poll.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import logging
import re
import ssl
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db.models import Q
from django.utils import timezone

from zayavka.channels.email import deliver as delivery
from zayavka.channels.email.models import Mailbox, is_loopback

log = logging.getLogger(__name__)

# The keyword that marks a message as stored (with \Seen, for people reading the box).
STORED_KEYWORD = "$ZayavkaStored"
# One FETCH of bodies carries at most this many messages and (messages allowing) bytes.
BATCH_MESSAGES = 50
BATCH_BYTES = 20 * 1024 * 1024
# How often the long-running poller looks for mailboxes that are due.
TICK_SECONDS = 1.0
AFTER_FAILURE_SECONDS = 10.0

_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)", re.I)
_UID_RE = re.compile(rb"UID (\d+)", re.I)
_LIST_RE = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"(?P<delim>(?:[^"\\]|\\.)*)"|NIL) ')


class MailboxError(Exception):
    """The mailbox could not be polled (or not to the end); nothing on it was lost.

    ``report`` says what the poll did before it stopped.
    """

    def __init__(self, message: str, report: PollReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class PollReport:
    """What one poll of one mailbox did."""

    mailbox: str
    found: int = 0
    results: Counter[str] = field(default_factory=Counter)
    too_large: list[int] = field(default_factory=list)
    error: str = ""

    @property
    def stored(self) -> int:
        return sum(self.results.values())

    def as_json(self) -> dict[str, object]:
        return {
            "mailbox": self.mailbox,
            "found": self.found,
            "stored": self.stored,
            "results": dict(sorted(self.results.items())),
            "too_large": len(self.too_large),
            "error": self.error,
        }


def poll_mailbox(mailbox: Mailbox, *, stop: threading.Event | None = None) -> PollReport:
    """Store every unprocessed message of ``mailbox``, oldest first; returns what it did.

    Guarantees: a message is marked on the server only after intake committed it; on
    any failure it raises ``MailboxError`` (recorded in ``mailbox.last_error``) and
    what was not marked is read again next time. Messages over
    ``ZAYAVKA_IMAP_MAX_BYTES`` are left on the server, unmarked, and named in
    ``last_error``. ``stop``, when set, ends the poll between two messages.
    """
    report = PollReport(mailbox.name)
    try:
        try:
            with _session(mailbox) as imap:
                _drain(imap, mailbox, report, stop)
        except MailboxError:
            raise
        except Exception as exc:  # a bug, not the server: still shown on the mailbox
            log.exception("mailbox poll failed unexpectedly", extra={"mailbox": mailbox.name})
            raise MailboxError(f"unexpected error: {exc.__class__.__name__}: {exc}") from exc
    except MailboxError as exc:
        report.error = str(exc)
        exc.report = report
        _record(mailbox, report.error)
        log.warning(
            "mailbox poll failed",
            extra={"mailbox": mailbox.name, "error": report.error, "stored": report.stored},
        )
        raise
    problem = ""
    if report.too_large:
        limit = settings.ZAYAVKA_IMAP_MAX_BYTES
        uids = ", ".join(map(str, report.too_large[:20]))
        problem = (
            f"{len(report.too_large)} message(s) over {limit} bytes left in "
            f"{mailbox.folder}: UID {uids}"
        )
    _record(mailbox, problem)
    if report.found:
        log.info("mailbox polled", extra={"mailbox": mailbox.name, **report.as_json()})
    return report


def poll_all(
    *, names: Sequence[str] | None = None, stop: threading.Event | None = None
) -> list[PollReport]:
    """Poll every active mailbox (or the ones named, active or not) once, now.

    A mailbox that fails does not stop the others; its report carries the error.
    """
    mailboxes = Mailbox.objects.all() if names else Mailbox.objects.filter(is_active=True)
    if names:
        mailboxes = mailboxes.filter(name__in=list(names))
    return [_poll_reporting(mailbox, stop) for mailbox in mailboxes]


def poll_due(
    *, names: Sequence[str] | None = None, stop: threading.Event | None = None
) -> list[PollReport]:
    """Poll the mailboxes whose interval has passed; each round is claimed with a
    conditional UPDATE, so that two pollers never take the same one."""
    now = timezone.now()
    due = Mailbox.objects.filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
    due = due.filter(name__in=list(names)) if names else due.filter(is_active=True)
    reports = []
    for mailbox in due:
        if stop is not None and stop.is_set():
            break
        claimed = Mailbox.objects.filter(pk=mailbox.pk, next_poll_at=mailbox.next_poll_at).update(
            next_poll_at=now + timedelta(seconds=mailbox.poll_interval)
        )
        if claimed:
            reports.append(_poll_reporting(mailbox, stop))
    return reports


def run_forever(stop: threading.Event, *, names: Sequence[str] | None = None) -> None:
    """The worker's poller: poll what is due until ``stop`` is set."""
    while not stop.is_set():
        close_old_connections()
        wait = TICK_SECONDS
        try:
            poll_due(names=names, stop=stop)
        except Exception:
            log.exception("IMAP poller failed")
            wait = AFTER_FAILURE_SECONDS
        stop.wait(wait)
    close_old_connections()


def _poll_reporting(mailbox: Mailbox, stop: threading.Event | None) -> PollReport:
    try:
        return poll_mailbox(mailbox, stop=stop)
    except MailboxError as exc:
        return exc.report or PollReport(mailbox.name, error=str(exc))


def _record(mailbox: Mailbox, error: str) -> None:
    mailbox.last_poll_at = timezone.now()
    mailbox.last_error = error[:4000]
    try:
        mailbox.save(update_fields=["last_poll_at", "last_error"])
    except DatabaseError:
        log.exception("could not record the poll", extra={"mailbox": mailbox.name})


# --- the IMAP conversation ----------------------------------------------------------


@contextlib.contextmanager
def _failing_as(what: str) -> Iterator[None]:
    """Turn the many ways a network conversation fails into one clear MailboxError."""
    try:
        yield
    except MailboxError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(f"{what}: TLS certificate not trusted: {exc.verify_message}") from exc
    except TimeoutError as exc:
        raise MailboxError(f"{what}: timed out") from exc
    except (imaplib.IMAP4.error, OSError, EOFError, ValueError) as exc:
        detail = str(exc) or exc.__class__.__name__
        raise MailboxError(f"{what}: {detail}") from exc


def _check(typ: str, data: Sequence[object], what: str) -> None:
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise MailboxError(f"{what}: {typ} {detail}".strip())


def _ssl_context(mailbox: Mailbox) -> ssl.SSLContext:
    cafile = mailbox.ca_file.strip() or None
    with _failing_as(f"CA file {cafile}"):
        return ssl.create_default_context(cafile=cafile)


@contextlib.contextmanager
def _session(mailbox: Mailbox) -> Iterator[imaplib.IMAP4]:
    """A logged-in connection, closed on the way out whatever happened."""
    Security = Mailbox.Security
    if mailbox.security not in Security.values:
        raise MailboxError(f"unknown connection security {mailbox.security!r}")
    if mailbox.security == Security.PLAIN and not is_loopback(mailbox.host):
        raise MailboxError(
            f"refused: no TLS to {mailbox.host}; a connection without TLS is only "
            "allowed to this machine (127.0.0.1, localhost)"
        )
    host, port = mailbox.host.strip(), mailbox.port
    timeout = float(settings.ZAYAVKA_IMAP_TIMEOUT)
    where = f"{host}:{port}"
    context = _ssl_context(mailbox) if mailbox.security != Security.PLAIN else None
    with _failing_as(f"connecting to {where}"):
        if mailbox.security == Security.SSL:
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, port, ssl_context=context, timeout=timeout
            )
        else:
            imap = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        if context is not None and mailbox.security == Security.STARTTLS:
            if "STARTTLS" not in imap.capabilities:
                raise MailboxError(f"{where} does not offer STARTTLS")
            with _failing_as(f"STARTTLS with {where}"):
                imap.starttls(context)
        with _failing_as(f"logging in to {where} as {mailbox.username}"):
            _check(*imap.login(mailbox.username, mailbox.password), "login refused")
        yield imap
    except BaseException:
        with contextlib.suppress(Exception):
            imap.shutdown()
        raise
    with contextlib.suppress(Exception):
        imap.logout()


def _drain(
    imap: imaplib.IMAP4, mailbox: Mailbox, report: PollReport, stop: threading.Event | None
) -> None:
    with _failing_as("reading the server's capabilities"):
        typ, data = imap.capability()
        _check(typ, data, "CAPABILITY")
        capabilities = set((data[-1] or b"").decode(errors="replace").upper().split())
        delimiter = _delimiter(imap)
    source = _mailbox_name(mailbox.folder, delimiter)
    target = ""
    move = mailbox.after_stored == Mailbox.AfterStored.MOVE
    if move:
        target = _mailbox_name(mailbox.processed_folder.strip().strip("/"), delimiter)
        if target.lower() == source.lower() or target == '""':
            # Moved back where it came from, every message would be read again each poll.
            raise MailboxError("the folder for stored messages must be another folder")
        with _failing_as(f"creating the folder {mailbox.processed_folder}"):
            _ensure_folder(imap, target)
    with _failing_as(f"opening the folder {mailbox.folder}"):
        _check(*imap.select(source), f"cannot open the folder {mailbox.folder}")
        _, flags = imap.response("PERMANENTFLAGS")
    permanent = b" ".join(f for f in flags if isinstance(f, bytes)).decode().lower()
    keywords = "\\*" in permanent or STORED_KEYWORD.lower() in permanent
    if move:
        criteria = "UNDELETED"
        marking = _Marking(capabilities, target=target)
    elif keywords:
        criteria = f"UNDELETED UNKEYWORD {STORED_KEYWORD}"
        marking = _Marking(capabilities, flags=f"(\\Seen {STORED_KEYWORD})")
    else:  # a server without keywords: the read flag alone marks what is stored
        criteria = "UNDELETED UNSEEN"
        marking = _Marking(capabilities, flags="(\\Seen)")

    with _failing_as("searching for new messages"):
        typ, data = imap.uid("SEARCH", criteria)
        _check(typ, data, "SEARCH")
        uids = sorted({int(n) for n in b" ".join(d or b"" for d in data).split()})
    report.found = len(uids)
    if not uids:
        return
    with _failing_as("reading message sizes"):
        sizes = _sizes(imap, uids)
    limit = settings.ZAYAVKA_IMAP_MAX_BYTES
    wanted = []
    for uid in uids:
        if uid not in sizes:
            continue  # expunged meanwhile
        if sizes[uid] > limit:
            report.too_large.append(uid)
        else:
            wanted.append(uid)

    for batch in _batches(wanted, sizes):
        with _failing_as("fetching messages"):
            bodies = _fetch(imap, batch)
        for uid in batch:
            if stop is not None and stop.is_set():
                return
            raw = bodies.get(uid)
            if raw is None:
                continue  # expunged meanwhile
            try:
                result = delivery.deliver(raw)
            except delivery.TemporaryFailure as exc:
                raise MailboxError(f"message UID {uid} not stored, will retry: {exc}") from exc
            report.results[result.result] += 1
            with _failing_as(f"marking message UID {uid} as stored"):
                _mark(imap, uid, marking)


def _sizes(imap: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for start in range(0, len(uids), 500):
        typ, data = imap.uid("FETCH", _uid_set(uids[start : start + 500]), "(UID RFC822.SIZE)")
        _check(typ, data, "FETCH sizes")
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid, size = _UID_RE.search(line), _SIZE_RE.search(line)
            if uid and size:
                sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _batches(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    batch: list[int] = []
    total = 0
    for uid in uids:
        if batch and (len(batch) >= BATCH_MESSAGES or total + sizes[uid] > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += sizes[uid]
    if batch:
        yield batch


def _fetch(imap: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
    """Raw bytes by UID; ``BODY.PEEK`` leaves the message unread on the server."""
    typ, data = imap.uid("FETCH", _uid_set(uids), "(UID BODY.PEEK[])")
    _check(typ, data, "FETCH")
    bodies: dict[int, bytes] = {}
    for i, item in enumerate(data):
        if not isinstance(item, tuple):
            continue
        prefix, raw = item
        match = _UID_RE.search(prefix)
        if match is None and i + 1 < len(data) and isinstance(data[i + 1], bytes):
            match = _UID_RE.search(data[i + 1])  # the UID came after the literal
        if match is not None:
            bodies[int(match.group(1))] = raw
    return bodies


@dataclass(frozen=True)
class _Marking:
    """How a stored message is marked: ``flags`` added, or moved to ``target``."""

    capabilities: set[str]
    flags: str = ""
    target: str = ""


def _mark(imap: imaplib.IMAP4, uid: int, marking: _Marking) -> None:
    """Mark one message as stored: the step that must come after the commit."""
    if not marking.target:
        _check(*imap.uid("STORE", str(uid), "+FLAGS.SILENT", marking.flags), "STORE")
    elif "MOVE" in marking.capabilities:
        _check(*imap.uid("MOVE", str(uid), marking.target), "MOVE")
    else:
        # No MOVE (RFC 6851): copy, then mark deleted. Our search skips deleted mail;
        # without UIDPLUS we do not expunge, which would remove others' deleted mail too.
        _check(*imap.uid("COPY", str(uid), marking.target), "COPY")
        _check(*imap.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
        if "UIDPLUS" in marking.capabilities:
            _check(*imap.uid("EXPUNGE", str(uid)), "EXPUNGE")


def _delimiter(imap: imaplib.IMAP4) -> str:
    typ, data = imap.list('""', '""')
    _check(typ, data, "LIST")
    for line in data:
        if isinstance(line, bytes) and (match := _LIST_RE.match(line)):
            return (match.group("delim") or b"").decode()
    return ""


def _ensure_folder(imap: imaplib.IMAP4, name: str) -> None:
    typ, data = imap.list('""', name)
    _check(typ, data, "LIST")
    if any(isinstance(line, bytes) for line in data):
        return
    typ, data = imap.create(name)
    if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d for d in data if isinstance(d, bytes)):
        _check(typ, data, "CREATE")
    imap.subscribe(name)  # so that mail clients show it; a refusal does not matter


def _uid_set(uids: Iterable[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1:3,7"``."""
    ranges: list[list[int]] = []
    for uid in sorted(uids):
        if ranges and uid == ranges[-1][1] + 1:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


def _mailbox_name(name: str, delimiter: str) -> str:
    """A folder name as an IMAP quoted string: "/" as the server's hierarchy delimiter,
    non-ASCII in IMAP's modified UTF-7 (RFC 3501, 5.1.3)."""
    name = name.strip()
    if delimiter and delimiter != "/":
        name = name.replace("/", delimiter)
    encoded = _modified_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _modified_utf7(text: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + data.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in text:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)
