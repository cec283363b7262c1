"""What intake and actions tell people: rows in the outbox, written in the same transaction.

Nothing is sent here. The worker's dispatcher polls the outbox (an indexed query
every second) and delivers what is due, so a rolled-back transaction sends
nothing and a crash after commit loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from zayavka.accounts.models import Agent, Contact, User
from zayavka.accounts.normalize import email_key
from zayavka.core.refcache import cached
from zayavka.tickets import tokens
from zayavka.tickets.models import Outbox, Ticket, TicketEvent
from zayavka.tickets.policy import Policy, Reason, Withheld, kind_labels
from zayavka.tickets.threading import make_message_id

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# How many withheld files a notice names; the rest are counted.
NOTICE_FILES = 20


def queue_email(
    *,
    ticket: Ticket,
    recipient: str,
    template: str,
    dedupe_key: str,
    language: str = "",
    context: dict[str, Any] | None = None,
    in_reply_to: str = "",
    automatic: bool = True,
    capped: bool | None = None,
    at: datetime | None = None,
) -> None:
    """Queue one email; queueing the same dedupe_key again is a no-op.

    Automatic mail (every notice; not an agent's own reply) beyond the recipient's
    hourly or daily cap is written as suppressed: kept for the audit, never sent.
    ``capped=False`` exempts notices to the desk's own staff: the caps protect outside
    mailboxes from storms and loops, and a busy team must get every heads-up (their
    auto-replies come back as machine mail, which never answers).
    """
    recipient = email_key(recipient)[:320]
    if not recipient:
        return
    dedupe_key = dedupe_key[:300]
    now = at or timezone.now()
    state = Outbox.State.PENDING
    cap = automail_cap_reached(recipient, now) if (automatic if capped is None else capped) else ""
    if cap:
        if Outbox.objects.filter(dedupe_key=dedupe_key).exists():
            return  # a replay of what was queued (or held back) before
        state = Outbox.State.SUPPRESSED
        log.warning(
            "automatic mail suppressed: the recipient's cap is reached",
            extra={"recipient": recipient, "template": template, "ticket": ticket.pk, "cap": cap},
        )
    row = Outbox(
        kind=Outbox.Kind.EMAIL,
        dedupe_key=dedupe_key,
        ticket=ticket,
        recipient=recipient,
        template=template,
        automatic=automatic,
        state=state,
        language=language or settings.LANGUAGE_CODE,
        context={
            **(context or {}),
            "message_id": make_message_id(ticket.number),
            "in_reply_to": in_reply_to,
        },
        next_attempt_at=now,
        created_at=now,
    )
    Outbox.objects.bulk_create([row], ignore_conflicts=True)


def automail_cap_reached(recipient: str, now: datetime) -> str:
    """Which cap, "hour" or "day", the recipient has reached ("" for none): counts the
    automatic mail queued for them in the last hour and day that was not held back."""
    per_hour: int = settings.ZAYAVKA_AUTOMAIL_PER_HOUR
    per_day: int = settings.ZAYAVKA_AUTOMAIL_PER_DAY
    if per_hour <= 0 and per_day <= 0:
        return ""
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
                when(now - (DAY if per_day > 0 else HOUR)),
                when(now),
            ],
        )
        hour, day = cursor.fetchone()
    if per_hour > 0 and hour >= per_hour:
        return "hour"
    if per_day > 0 and day >= per_day:
        return "day"
    return ""


def ticket_context(ticket: Ticket, *, echo: bool) -> dict[str, Any]:
    """What templates may say about a ticket. With echo=False, nothing the sender typed
    and no link to the thread: an acknowledgement to an unconfirmed address must not
    relay a stranger's text, nor lead to it."""
    context: dict[str, Any] = {
        "number": ticket.display_number,
        "ticket_key": ticket.key,
        "site_url": settings.SITE_URL,
        "resolution_due": local_time(ticket.resolution_due),
    }
    if echo:
        context["subject"] = ticket.subject
        # The link shows the thread: never in mail to an address that may not be the
        # requester's.
        context["ticket_url"] = settings.SITE_URL + reverse(
            "portal:open", args=[tokens.ticket_token(ticket.pk)]
        )
    return context


def local_time(moment: datetime | None) -> str:
    """A deadline as people read it: «25.11.2026 14:30 MSK» in the desk's time zone."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return f"{local:%d.%m.%Y %H:%M} {local.tzname()}"


def escalation_contact() -> dict[str, str]:
    """The head of the helpdesk, reachable for emergencies and complaints (R26)."""
    head: Agent | None = cached(
        "head_of_desk",
        lambda: Agent.objects.filter(is_head=True).select_related("user").order_by("pk").first(),
    )
    if head is None:
        return {}
    return {
        "head_name": head.user.display_name,
        "head_phone": head.phone,
        "head_email": head.user.email,
    }


def notify_ticket_created(
    ticket: Ticket, requester: Contact, *, in_reply_to: str, echo: bool
) -> None:
    """The registration notice with the ticket number (R10), and the team's heads-up."""
    queue_email(
        ticket=ticket,
        recipient=requester.email,
        template="ticket_created",
        dedupe_key=f"ticket_created:{ticket.pk}:{requester.pk}",
        language=requester.language,
        context={
            **ticket_context(ticket, echo=echo),
            **escalation_contact(),
            "name": requester.name if echo else "",
        },
        in_reply_to=in_reply_to,
    )
    if ticket.team is not None and ticket.team.email:
        queue_email(
            ticket=ticket,
            recipient=ticket.team.email,
            template="agent_new_ticket",
            dedupe_key=f"agent_new_ticket:{ticket.pk}:{ticket.team.pk}",
            context={**ticket_context(ticket, echo=True), "team": ticket.team.name},
            capped=False,  # the desk's own team
        )


def notify_requester_replied(ticket: Ticket, message_pk: int) -> None:
    """Tell the assignee that the requester wrote again."""
    if ticket.assignee is None or not ticket.assignee.email:
        return
    queue_email(
        ticket=ticket,
        recipient=ticket.assignee.email,
        template="agent_requester_replied",
        dedupe_key=f"agent_requester_replied:{message_pk}",
        language=ticket.assignee.language,
        context={**ticket_context(ticket, echo=True), "message": message_pk},
        capped=False,  # the desk's own agent
    )


def notify_resolved(ticket: Ticket) -> None:
    """The resolution notice (R15) with one-click rating links (R18)."""
    requester = ticket.requester
    assert ticket.resolved_at is not None
    token = tokens.rating_token(ticket.pk, ticket.resolved_at)
    queue_email(
        ticket=ticket,
        recipient=requester.email,
        template="ticket_resolved",
        dedupe_key=f"ticket_resolved:{ticket.pk}:{ticket.resolved_at.isoformat()}",
        language=requester.language,
        context={
            **ticket_context(ticket, echo=ticket.verification != "none"),
            "rating_url": settings.SITE_URL + reverse("portal:rate", args=[token]),
            "auto_close_days": (
                ticket.contract.auto_close_days
                if ticket.contract is not None
                else settings.ZAYAVKA_AUTO_CLOSE_DAYS
            ),
        },
    )


def notify_attachments_withheld(
    ticket: Ticket,
    sender: Contact,
    *,
    message_pk: int,
    in_reply_to: str,
    withheld: Sequence[Withheld],
    policy: Policy,
) -> None:
    """Tell the sender, once per message, which files the channel policy kept out of
    the ticket and what to send instead (R9). Signature logos and cryptographic
    signatures are held back without a word: the sender never chose to send them."""
    told = [item for item in withheld if not item.incidental]
    if not told:
        return
    echo = ticket.verification != "none"
    language = sender.language or settings.LANGUAGE_CODE
    with translation.override(language):
        accepted = kind_labels(policy.allowed_kinds)
    reasons = {item.reason for item in told}
    queue_email(
        ticket=ticket,
        recipient=sender.email,
        template="attachment_withheld",
        dedupe_key=f"attachment_withheld:{message_pk}",
        language=language,
        context={
            **ticket_context(ticket, echo=echo),
            # File names are the sender's text: not relayed to an unconfirmed address.
            "files": [
                {"name": item.attachment.filename[:120], "size": item.attachment.byte_size}
                for item in told[:NOTICE_FILES]
            ]
            if echo
            else [],
            "count": len(told),
            "more": max(len(told) - NOTICE_FILES, 0) if echo else 0,
            "no_files": Reason.NO_FILES in reasons,
            "too_large": Reason.SIZE in reasons,
            "wrong_kind": Reason.KIND in reasons,
            "limit": policy.max_bytes,
            "accepted_kinds": accepted,
        },
        in_reply_to=in_reply_to,
    )


def notify_assigned(ticket: Ticket, assignee: User, event: TicketEvent) -> None:
    """Tell an agent that a ticket is now theirs; once per assignment event."""
    team = ticket.team
    queue_email(
        ticket=ticket,
        recipient=assignee.email,
        template="agent_assigned",
        dedupe_key=f"agent_assigned:{ticket.pk}:{assignee.pk}:{event.pk}",
        language=assignee.language,
        context={
            **ticket_context(ticket, echo=True),
            "team": team.name if team is not None else "",
            "requester": str(ticket.requester),
            "organization": ticket.organization.name if ticket.organization else "",
        },
        capped=False,  # the desk's own agent
    )
