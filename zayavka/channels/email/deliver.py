"""Store one raw message through intake: the step every email receiver shares.

The MTA pipe (``zayavka mail deliver``) and the LMTP/SMTP listener both acknowledge a
message only when ``deliver`` returned, and ask the sender to try again later when it
raised ``TemporaryFailure``. So a message is either committed (as a ticket, a reply, a
quarantine entry, deliberately ignored, or found to be a duplicate) or still the
sending MTA's responsibility: never lost in between.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from django.db import DatabaseError

from zayavka.channels.email.inbound import CHANNEL, to_inbound
from zayavka.tickets.actions import intake

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """The message was not stored (database or storage unavailable); retry later."""


def deliver(
    raw: bytes,
    *,
    mail_from: str | None = None,
    rcpt_tos: Sequence[str] = (),
    received_at: datetime | None = None,
) -> intake.IntakeResult:
    """Hand one raw message to intake; returns only once its bytes are committed.

    Guarantees: on return the message is stored as created, appended, quarantined,
    ignored or duplicate. An empty message, or one the adapter or intake cannot
    process, is kept raw in quarantine with the reason. Database and storage
    errors raise ``TemporaryFailure`` (nothing was acknowledged; the sender must
    retry, and dedupe makes the retry harmless). ``mail_from``/``rcpt_tos`` (the
    SMTP envelope, when there is one) are kept in the message's details.
    """
    try:
        return _deliver(raw, mail_from, rcpt_tos, received_at)
    except (DatabaseError, OSError) as exc:
        raise TemporaryFailure(f"{exc.__class__.__name__}: {exc}") from exc


def _deliver(
    raw: bytes,
    mail_from: str | None,
    rcpt_tos: Sequence[str],
    received_at: datetime | None,
) -> intake.IntakeResult:
    if not raw.strip():
        return intake.quarantine_raw(CHANNEL, "", raw, "empty message")
    try:
        message = to_inbound(raw, received_at=received_at)
    except Exception as exc:  # a bug in the adapter must not lose the message
        log.exception("email adapter failed; message quarantined")
        return intake.quarantine_raw(CHANNEL, "", raw, _reason("adapter failure", exc))
    if mail_from is not None or rcpt_tos:
        envelope = {"mail_from": mail_from or "", "rcpt_to": list(rcpt_tos)[:100]}
        message = replace(message, meta={**message.meta, "envelope": envelope})
    try:
        return intake.receive(message)
    except (DatabaseError, OSError):
        raise
    except Exception as exc:  # not a storage problem: keep the raw bytes for a replay
        log.exception("intake failed before storing; message quarantined")
        return intake.quarantine_raw(
            CHANNEL, message.external_id, raw, _reason("intake failure", exc)
        )


def quarantine(raw: bytes, reason: str) -> intake.IntakeResult:
    """Keep a message that could not be processed (in time, say) raw, with the reason;
    database errors propagate."""
    return intake.quarantine_raw(CHANNEL, "", raw, reason)


def _reason(what: str, exc: BaseException) -> str:
    return f"{what}: {exc.__class__.__name__}: {exc}"[:4000]
