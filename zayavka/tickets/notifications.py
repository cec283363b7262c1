"""What intake and actions tell people about a ticket: rows in the outbox, written in
the same transaction (`notices` builds and queues them).

Nothing is sent here. The worker's dispatcher polls the outbox (an indexed query
every second) and delivers what is due, so a rolled-back transaction sends
nothing and a crash after commit loses nothing.

This module knows the models and the pure rules below them (tokens, policy, threading),
nothing above: actions, views and channels call it, never the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import translation

from zayavka.accounts.models import Agent, Channel, Contact, ContactAddress, User
from zayavka.core.refcache import cached
from zayavka.tickets import notices, tokens
from zayavka.tickets.models import Message, Outbox, Ticket, TicketEvent
from zayavka.tickets.notices import Audience
from zayavka.tickets.policy import Policy, Reason, Withheld, kind_labels

# How many withheld files a notice names; the rest are counted.
NOTICE_FILES = 20


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


def _telegram_chat(ticket: Ticket, requester: Contact) -> str | None:
    """The chat a notice about this ticket also goes to: the requester's Telegram id, for
    a ticket that came from Telegram (a private chat's id is their Telegram id)."""
    if ticket.channel != Channel.TELEGRAM:
        return None
    chat: str | None = (
        ContactAddress.objects.filter(contact=requester, kind=ContactAddress.Kind.TELEGRAM)
        .order_by("-is_primary", "pk")
        .values_list("value", flat=True)
        .first()
    )
    return chat or None


def requester_reachable(ticket: Ticket) -> bool:
    """Whether a notice to the requester goes anywhere (`_to_requester`'s rule): they
    have an email address, or the ticket came from Telegram and we know their chat."""
    requester = ticket.requester
    return bool(requester.email) or _telegram_chat(ticket, requester) is not None


def _to_requester(ticket: Ticket, requester: Contact, **notice: Any) -> list[Outbox | None]:
    """A notice to the requester by email and, for a ticket that came from Telegram, the
    same notice to their chat (`_telegram_chat`)."""
    rows = [notices.build(ticket=ticket, recipient=requester.email, **notice)]
    chat = _telegram_chat(ticket, requester)
    if chat:
        notice["dedupe_key"] = f"telegram:{notice['dedupe_key']}"
        rows.append(
            notices.build(ticket=ticket, recipient=chat, kind=Outbox.Kind.TELEGRAM, **notice)
        )
    return rows


def notify_ticket_created(
    ticket: Ticket, requester: Contact, *, in_reply_to: str, echo: bool, acknowledge: bool = True
) -> None:
    """The registration notice with the ticket number (R10), and the team's heads-up.
    ``acknowledge`` False leaves the requester's notice out (the team's stays)."""
    team = ticket.team
    notices.queue(
        [
            *(
                _to_requester(
                    ticket,
                    requester,
                    audience=Audience.REQUESTER,
                    echo=echo,
                    template="ticket_created",
                    dedupe_key=f"ticket_created:{ticket.pk}:{requester.pk}",
                    language=requester.language,
                    context={
                        **escalation_contact(),
                        "name": requester.name if echo else "",
                    },
                    in_reply_to=in_reply_to,
                )
                if acknowledge
                else []
            ),
            notices.build(
                ticket=ticket,
                audience=Audience.DESK,
                recipient=team.email,
                template="agent_new_ticket",
                dedupe_key=f"agent_new_ticket:{ticket.pk}:{team.pk}",
                context={"team": team.name},
            )
            if team is not None
            else None,
        ]
    )


def notify_requester_replied(ticket: Ticket, message_pk: int) -> None:
    """Tell the assignee that the requester wrote again."""
    if ticket.assignee is None or not ticket.assignee.email:
        return
    notices.queue(
        [
            notices.build(
                ticket=ticket,
                audience=Audience.DESK,
                recipient=ticket.assignee.email,
                template="agent_requester_replied",
                dedupe_key=f"agent_requester_replied:{message_pk}",
                language=ticket.assignee.language,
                context={"message": message_pk},
            )
        ]
    )


def notify_reply(
    ticket: Ticket, message: Message, author: User, *, filenames: Sequence[str], in_reply_to: str
) -> None:
    """Send the agent's public reply to the requester, with its files (once per message).
    A person's mail: no Auto-Submitted, never held back by the caps."""
    requester = ticket.requester
    notices.queue(
        _to_requester(
            ticket,
            requester,
            audience=Audience.REQUESTER,
            echo=True,
            message=message,
            template="agent_reply",
            dedupe_key=f"agent_reply:{message.pk}",
            language=requester.language,
            context={
                "text": message.text,
                "agent": author.display_name,
                "attachments": list(filenames),
            },
            in_reply_to=in_reply_to,
            automatic=False,
        )
    )


def notify_resolved(ticket: Ticket) -> None:
    """The resolution notice (R15) with one-click rating links (R18)."""
    requester = ticket.requester
    assert ticket.resolved_at is not None
    echo = ticket.verification != "none"
    notices.queue(
        [
            *_to_requester(
                ticket,
                requester,
                audience=Audience.REQUESTER,
                echo=echo,
                template="ticket_resolved",
                dedupe_key=f"ticket_resolved:{ticket.pk}:{ticket.resolved_at.isoformat()}",
                language=requester.language,
                context={
                    # Rates this one resolution and nothing else: also to an unconfirmed
                    # address, which learns nothing from it.
                    "rating_token": tokens.rating_token(ticket.pk, ticket.resolved_at),
                    "auto_close_days": (
                        ticket.contract.auto_close_days
                        if ticket.contract is not None
                        else settings.ZAYAVKA_AUTO_CLOSE_DAYS
                    ),
                },
            )
        ]
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
    notices.queue(
        [
            notices.build(
                ticket=ticket,
                audience=Audience.REQUESTER,
                echo=echo,
                recipient=sender.email,
                template="attachment_withheld",
                dedupe_key=f"attachment_withheld:{message_pk}",
                language=language,
                context={
                    # File names are the sender's text: not relayed to an unconfirmed
                    # address.
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
        ]
    )


def notify_assigned(ticket: Ticket, assignee: User, event: TicketEvent) -> None:
    """Tell an agent that a ticket is now theirs; once per assignment event."""
    team = ticket.team
    notices.queue(
        [
            notices.build(
                ticket=ticket,
                audience=Audience.DESK,
                recipient=assignee.email,
                template="agent_assigned",
                dedupe_key=f"agent_assigned:{ticket.pk}:{assignee.pk}:{event.pk}",
                language=assignee.language,
                context={
                    "team": team.name if team is not None else "",
                    "requester": str(ticket.requester),
                    "organization": ticket.organization.name if ticket.organization else "",
                },
            )
        ]
    )
