"""The one way to write the outbox: build a row for one recipient, then queue rows.

Every notice goes through here: the ticket notices (`notifications`), the agent's reply,
the SLA scanner's steps (thousands of rows in one statement) and account mail (no
ticket). `build` fills what every template may rely on, so that a template links to its
ticket with ``{% url %}`` and never gets a URL made in Python:

- ``site_url``, ``message_id``, ``in_reply_to``;
- for a ticket, ``number`` (as people read it), ``ticket_number`` (the integer, for
  ``{{ site_url }}{% url "workspace:ticket" ticket_number %}``), ``ticket_key`` and
  ``resolution_due`` (as people read it, in the desk's time zone);
- for the desk, and for a requester who may see the thread (``echo``), the ``subject``,
  and for such a requester ``ticket_token``, for
  ``{{ site_url }}{% url "portal:open" ticket_token %}``. Without ``echo`` nothing the
  sender typed is relayed: an acknowledgement to an unconfirmed address must not carry
  a stranger's text, nor lead to it.

`queue` inserts rows in one statement (a dedupe key written before makes its row a
no-op) and holds back automatic mail beyond a recipient's caps. Nothing is sent here:
the worker (`outbox`) delivers what is due. This module knows the models, tokens and
Message-IDs, nothing above them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from zayavka.accounts.normalize import email_key
from zayavka.tickets import tokens
from zayavka.tickets.models import Message, Outbox, Ticket
from zayavka.tickets.threading import make_message_id

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class Audience(StrEnum):
    """Who reads a notice: it decides the notice's links and whether the caps apply."""

    #: The desk's own people: links into the workspace; never capped (a busy team must
    #: get every heads-up, and their auto-replies come back as machine mail).
    DESK = "desk"
    #: Requesters and portal users, outside mailboxes: links into the portal (when the
    #: address may see the thread); automatic mail to them is capped.
    REQUESTER = "requester"


def build(
    *,
    recipient: str,
    template: str,
    dedupe_key: str,
    audience: Audience,
    ticket: Ticket | None = None,
    echo: bool = False,
    message: Message | None = None,
    language: str = "",
    automatic: bool = True,
    capped: bool | None = None,
    in_reply_to: str = "",
    context: Mapping[str, Any] | None = None,
    kind: Outbox.Kind = Outbox.Kind.EMAIL,
    at: datetime | None = None,
) -> Outbox | None:
    """An unsaved outbox row for one recipient; None when there is no address.

    ``echo`` says that the recipient may see the ticket's thread: only then does a
    requester's notice carry the token of the link to it. ``message`` is an agent's
    reply whose files go with the mail. ``automatic`` is machine mail (every notice, not
    a person's reply): it says so in its headers and counts toward the recipient's caps.
    ``capped`` (by default: automatic mail to a requester) lets `queue` hold the row
    back once those caps are reached. ``context`` is the template's own; the keys
    filled here take precedence.
    """
    address = email_key(recipient) if kind == Outbox.Kind.EMAIL else recipient.strip()
    address = address[:320]
    if not address:
        return None
    now = at or timezone.now()
    filled: dict[str, Any] = {
        **(context or {}),
        "site_url": settings.SITE_URL,
        "message_id": _message_id(ticket),
        "in_reply_to": in_reply_to,
    }
    if ticket is not None:
        filled["number"] = ticket.display_number
        filled["ticket_number"] = ticket.number
        filled["ticket_key"] = ticket.key
        filled["resolution_due"] = local_time(ticket.resolution_due)
        if audience == Audience.DESK or echo:
            filled["subject"] = ticket.subject
        if audience == Audience.REQUESTER and echo:
            # The link shows the thread: never in mail to an address that may not be
            # the requester's.
            filled["ticket_token"] = tokens.ticket_token(ticket.pk)
    row = Outbox(
        kind=kind,
        dedupe_key=dedupe_key[:300],
        ticket=ticket,
        message=message,
        recipient=address,
        template=template,
        automatic=automatic,
        state=Outbox.State.PENDING,
        language=language or settings.LANGUAGE_CODE,
        context=filled,
        next_attempt_at=now,
        created_at=now,
    )
    row.capped = automatic and audience == Audience.REQUESTER if capped is None else capped
    return row


def queue(rows: Iterable[Outbox | None]) -> None:
    """Insert the rows (None is left out) in one statement; a dedupe key written before
    makes its row a no-op.

    Automatic mail to a requester beyond their hourly or daily cap is written as
    suppressed: kept for the audit, never sent; the rows of this batch count toward the
    cap like those queued before. A held-back row that was queued before (a replay) is
    not written again.
    """
    batch = [row for row in rows if row is not None]
    capped = [row for row in batch if row.automatic and row.capped]
    if capped:
        dropped = _hold_back(capped)
        batch = [row for row in batch if id(row) not in dropped]
    if batch:
        Outbox.objects.bulk_create(batch, ignore_conflicts=True)


def automail_cap_reached(recipient: str, now: datetime, queued: Sequence[datetime] = ()) -> str:
    """Which cap, "hour" or "day", the recipient has reached ("" for none): counts the
    automatic mail queued for them in the last hour and day that was not held back,
    plus ``queued``, the times of such mail about to be written with it."""
    per_hour: int = settings.ZAYAVKA_AUTOMAIL_PER_HOUR
    per_day: int = settings.ZAYAVKA_AUTOMAIL_PER_DAY
    if per_hour <= 0 and per_day <= 0:
        return ""
    window = DAY if per_day > 0 else HOUR
    # Every automatic notice asks this, so it is plain SQL: the ORM took 0.7 ms of CPU to
    # build this aggregate, six times what sending and running it costs (PostgreSQL and
    # SQLite alike; the index on recipient and time serves it).
    when = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE created_at > %s), COUNT(*) "  # noqa: S608
            f"FROM {Outbox._meta.db_table} "  # our own table's name, not input
            "WHERE recipient = %s AND automatic AND state <> %s "
            "AND created_at > %s AND created_at <= %s",
            [
                when(now - HOUR),
                email_key(recipient),
                Outbox.State.SUPPRESSED,
                when(now - window),
                when(now),
            ],
        )
        hour, day = cursor.fetchone()
    hour += sum(1 for moment in queued if now - HOUR < moment <= now)
    day += sum(1 for moment in queued if now - window < moment <= now)
    if per_hour > 0 and hour >= per_hour:
        return "hour"
    if per_day > 0 and day >= per_day:
        return "day"
    return ""


def _hold_back(rows: list[Outbox]) -> set[int]:
    """Mark the rows over their recipient's cap as suppressed; returns the ids (`id()`)
    of the rows not to write: replays of what was queued before, repeats in the batch."""
    mine: dict[str, list[Outbox]] = {}
    for row in rows:
        mine.setdefault(row.recipient, []).append(row)
    dropped: set[int] = set()
    for recipient, theirs in mine.items():
        # With several rows for one recipient, each counts toward the next one's cap
        # unless it is a replay (not written, already counted): one query finds those.
        # A single row needs no such query unless it is held back.
        known: set[str] = set()
        if len(theirs) > 1:
            known = set(
                Outbox.objects.filter(
                    dedupe_key__in=[row.dedupe_key for row in theirs]
                ).values_list("dedupe_key", flat=True)
            )
        queued: list[datetime] = []
        for row in theirs:
            if row.dedupe_key in known:
                dropped.add(id(row))
                continue
            known.add(row.dedupe_key)
            cap = automail_cap_reached(recipient, row.created_at, queued)
            if not cap:
                queued.append(row.created_at)
                continue
            if len(theirs) == 1 and Outbox.objects.filter(dedupe_key=row.dedupe_key).exists():
                dropped.add(id(row))  # a replay of what was queued (or held back) before
                continue
            row.state = Outbox.State.SUPPRESSED
            log.warning(
                "automatic mail suppressed: the recipient's cap is reached",
                extra={
                    "recipient": recipient,
                    "template": row.template,
                    "ticket": row.ticket_id,
                    "cap": cap,
                },
            )
    return dropped


def local_time(moment: datetime | None) -> str:
    """A deadline as people read it: «25.11.2026 14:30 MSK» in the desk's time zone."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"{local:%d.%m.%Y %H:%M} {local.tzname()}"


def _message_id(ticket: Ticket | None) -> str:
    """A fresh Message-ID: bound to the ticket (replies thread to it), or for mail about
    an account, which belongs to no ticket."""
    if ticket is not None:
        return make_message_id(ticket.number)
    host = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "zayavka.localhost"
    return f"zv.account.{secrets.token_hex(8)}@{host}"
