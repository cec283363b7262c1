"""The worker's side of the outbox: claim due rows, deliver, retry with backoff."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import close_old_connections
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from zayavka.core.storage import read_blob
from zayavka.tickets.models import Attachment, Outbox
from zayavka.tickets.threading import LOOP_HEADER

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 15
CLAIM_FOR = timedelta(minutes=5)
BATCH = 200
# Notices that answer a message of the sender (RFC 3834 "auto-replied"); other
# automatic mail is "auto-generated".
AUTO_REPLIES = frozenset({"ticket_created", "attachment_withheld"})


class RetryLater(Exception):
    """A handler's failure with the wait the recipient's service asked for (a 429's
    ``retry_after``): the row is tried again after that wait instead of the backoff."""

    def __init__(self, message: str, *, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at 6 hours: about two days of retries in all."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def render_text(name: str, context: dict[str, object]) -> str:
    """A plain-text template: no HTML escaping ("Tom & Jerry" stays as written)."""
    template = get_template(name).template  # type: ignore[attr-defined]
    return str(template.render(Context(context, autoescape=False)))


def send_email(item: Outbox) -> None:
    ctx = item.context
    with translation.override(item.language or settings.LANGUAGE_CODE):
        subject = render_text(f"emails/{item.template}.subject.txt", ctx)
        body = render_text(f"emails/{item.template}.txt", ctx)
    headers = {
        "Message-ID": f"<{ctx['message_id']}>",
        "X-Auto-Response-Suppress": "All",
        LOOP_HEADER: settings.DEFAULT_FROM_EMAIL,
        "X-Zayavka-Ticket": str(ctx.get("number", "")),
    }
    if item.automatic:
        # Only machine mail says so (RFC 3834): an agent's reply is a person's mail.
        headers["Auto-Submitted"] = (
            "auto-replied" if item.template in AUTO_REPLIES else "auto-generated"
        )
    if ctx.get("in_reply_to"):
        headers["In-Reply-To"] = f"<{ctx['in_reply_to']}>"
        headers["References"] = f"<{ctx['in_reply_to']}>"
    email = EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[item.recipient],
        headers=headers,
    )
    if item.message_id is not None:
        # An agent's reply carries its files; withheld ones never leave the desk.
        for att in Attachment.objects.filter(message_id=item.message_id).visible():
            email.attach(att.filename, read_blob(att.storage_key), att.content_type)
    email.send()


HANDLERS: dict[str, Callable[[Outbox], None]] = {Outbox.Kind.EMAIL: send_email}


def deliver_due(limit: int = BATCH, *, now: datetime | None = None) -> int:
    """Deliver due notifications; safe to run in several workers at once.

    A row is claimed with a conditional UPDATE before it is sent, so two workers
    never send it together; a worker that dies mid-send leaves a claim that
    expires, and the row is tried again (at-least-once, same Message-ID).
    Suppressed rows (over a recipient's cap) are never due.
    """
    start = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=start)
    due = list(
        Outbox.objects.filter(free, state=Outbox.State.PENDING, next_attempt_at__lte=start)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        claimed = Outbox.objects.filter(free, pk=pk, state=Outbox.State.PENDING).update(
            claimed_until=start + CLAIM_FOR
        )
        if not claimed:
            continue
        item = Outbox.objects.get(pk=pk)
        sent += _deliver_one(item, now or timezone.now())
    return sent


def _deliver_one(item: Outbox, now: datetime) -> int:
    handler = HANDLERS.get(item.kind)
    try:
        if handler is None:
            raise LookupError(f"no delivery handler for {item.kind!r}")
        handler(item)
    except Exception as exc:
        item.attempts += 1
        item.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        item.claimed_until = None
        wait = backoff(item.attempts)
        if isinstance(exc, RetryLater):
            wait = timedelta(seconds=exc.seconds)
        item.next_attempt_at = now + wait
        if item.attempts >= MAX_ATTEMPTS:
            item.state = Outbox.State.DEAD
        item.save(
            update_fields=["attempts", "last_error", "claimed_until", "next_attempt_at", "state"]
        )
        log.warning(
            "delivery failed",
            extra={"outbox": item.pk, "error": item.last_error, "attempts": item.attempts},
        )
        return 0
    item.state = Outbox.State.SENT
    item.attempts += 1
    item.sent_at = now
    item.claimed_until = None
    item.last_error = ""
    item.save(update_fields=["state", "attempts", "sent_at", "claimed_until", "last_error"])
    return 1


def dispatch_forever(stop: threading.Event, interval: float = 1.0) -> None:
    """The worker's dispatcher: deliver what is due, then poll again within `interval`."""
    while not stop.is_set():
        close_old_connections()
        try:
            sent = deliver_due()
        except Exception:
            log.exception("outbox dispatch failed")
            sent = 0
        if not sent:
            stop.wait(interval)
    close_old_connections()
