"""What agents do to tickets as a whole: merge them, link them, and deal with abusive
messages (R29). Each call checks that the agent may work on every ticket involved and
records the change in the history."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zayavka.accounts.models import Channel, User
from zayavka.tickets.actions import change_status, iso_utc, record_event, status_for
from zayavka.tickets.models import (
    EventKind,
    Message,
    StatusCategory,
    Ticket,
    TicketLink,
)


class TicketsNotLinked(ValueError):
    """A merge or a link the desk refuses. `code`: "self" (the ticket itself),
    "source_merged", "target_merged" (a merged ticket), "reversed" (the other way round
    already)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _check_may_work(by: User, *tickets: Ticket) -> None:
    from django.core.exceptions import PermissionDenied

    from zayavka.tickets import access

    if not all(access.can_work(by, ticket) for ticket in tickets):
        raise PermissionDenied("may not work on these tickets")


def merge_tickets(source: Ticket, target: Ticket, *, by: User, at: datetime | None = None) -> None:
    """Merge `source` into `target`: the source is closed with `merged_into` set, a MERGED
    link joins them, and both tickets record it (LINKED events; the source's STATUS
    event says "merged").

    The source's messages stay on the source, where they were received, so that its
    history keeps reading as it happened; the target's thread shows them too (see
    `thread_tickets`). The source's requester and participants take part in the target,
    so that their replies to the source's mail thread into the target. Nobody is
    emailed. TicketsNotLinked for a merge into itself, from or into a merged ticket;
    PermissionDenied when `by` may not work on both.
    """
    if source.pk == target.pk:
        raise TicketsNotLinked("self")
    _check_may_work(by, source, target)
    with transaction.atomic():
        merged = dict(
            Ticket.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
            .values_list("pk", "merged_into_id")
        )
        if merged.get(source.pk) is not None:
            raise TicketsNotLinked("source_merged")
        if merged.get(target.pk) is not None:
            raise TicketsNotLinked("target_merged")
        now = at or timezone.now()
        contacts = {source.requester_id, *source.participants.values_list("pk", flat=True)}
        known = set(target.participants.values_list("pk", flat=True))
        Ticket.participants.through.objects.bulk_create(
            [
                Ticket.participants.through(ticket=target, contact_id=pk)
                for pk in sorted(contacts - known - {None})
            ]
        )
        TicketLink.objects.get_or_create(source=source, target=target, kind=TicketLink.Kind.MERGED)
        source.merged_into = target
        source.updated_at = max(source.updated_at, now)
        source.save(update_fields=["merged_into", "updated_at"])
        record_event(
            source,
            EventKind.LINKED,
            actor_user=by,
            channel=Channel.AGENT,
            at=now,
            data={"kind": TicketLink.Kind.MERGED, "ticket": target.number},
        )
        record_event(
            target,
            EventKind.LINKED,
            actor_user=by,
            channel=Channel.AGENT,
            at=now,
            data={"kind": "merged_from", "ticket": source.number},
        )
        if source.state != StatusCategory.CLOSED:
            change_status(
                source,
                status_for(StatusCategory.CLOSED),
                actor_user=by,
                channel=Channel.AGENT,
                reason="merged",
                at=now,
            )
        target.updated_at = max(target.updated_at, now)
        Ticket.objects.filter(pk=target.pk).update(updated_at=target.updated_at)


def thread_tickets(ticket: Ticket) -> list[int]:
    """The ids of the ticket and of every ticket merged into it, however deep."""
    ids = [ticket.pk]
    frontier = [ticket.pk]
    while frontier:
        frontier = [
            pk
            for pk in Ticket.objects.filter(merged_into_id__in=frontier).values_list(
                "pk", flat=True
            )
            if pk not in ids
        ]
        ids += frontier
    return ids


# How an agent relates a ticket to another: the link stored, and which way it points.
RELATIONS: dict[str, tuple[str, bool]] = {
    "related": (TicketLink.Kind.RELATED, False),
    "parent": (TicketLink.Kind.PARENT, False),  # this ticket is the parent of the other
    "child": (TicketLink.Kind.PARENT, True),  # the other ticket is the parent of this one
}


def relate_tickets(
    ticket: Ticket, other: Ticket, relation: str, *, by: User, at: datetime | None = None
) -> bool:
    """Link `ticket` to `other` as "related", "parent" (of the other) or "child" (of the
    other), and record a LINKED event on both. Returns False when the link existed.

    TicketsNotLinked for a link to itself or one that contradicts a parent/child link
    the other way; PermissionDenied when `by` may not work on both tickets.
    """
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}")
    if ticket.pk == other.pk:
        raise TicketsNotLinked("self")
    _check_may_work(by, ticket, other)
    kind, reverse = RELATIONS[relation]
    source, target = (other, ticket) if reverse else (ticket, other)
    if (
        kind == TicketLink.Kind.PARENT
        and TicketLink.objects.filter(source=target, target=source, kind=kind).exists()
    ):
        raise TicketsNotLinked("reversed")
    with transaction.atomic():
        _, created = TicketLink.objects.get_or_create(source=source, target=target, kind=kind)
        if not created:
            return False
        now = at or timezone.now()
        mirror = {"related": "related", "parent": "child", "child": "parent"}
        for one, two, role in ((ticket, other, relation), (other, ticket, mirror[relation])):
            record_event(
                one,
                EventKind.LINKED,
                actor_user=by,
                channel=Channel.AGENT,
                at=now,
                data={"kind": kind, "relation": role, "ticket": two.number},
            )
    return True


def unlink_tickets(
    ticket: Ticket,
    other: Ticket,
    *,
    by: User,
    kind: str = "",
    at: datetime | None = None,
) -> bool:
    """Remove the links between the two tickets, whichever way they point (only those of
    `kind` when given), and record a LINKED event with "removed" on both for each link.
    A merge is never undone here: MERGED links stay. Returns False when there was no
    link to remove; PermissionDenied when `by` may not work on both tickets.
    """
    _check_may_work(by, ticket, other)
    pair = Q(source=ticket, target=other) | Q(source=other, target=ticket)
    links = TicketLink.objects.filter(pair).exclude(kind=TicketLink.Kind.MERGED)
    if kind:
        links = links.filter(kind=kind)
    with transaction.atomic():
        found = list(links.select_for_update().order_by("pk"))
        if not found:
            return False
        TicketLink.objects.filter(pk__in=[link.pk for link in found]).delete()
        now = at or timezone.now()
        for link in found:
            pair_of = (ticket, other) if link.source_id == ticket.pk else (other, ticket)
            for one, two in (pair_of, pair_of[::-1]):
                record_event(
                    one,
                    EventKind.LINKED,
                    actor_user=by,
                    channel=Channel.AGENT,
                    at=now,
                    data={
                        "kind": link.kind,
                        "relation": _role(link, one),
                        "ticket": two.number,
                        "removed": True,
                    },
                )
    return True


def _role(link: TicketLink, side: Ticket) -> str:
    """What the link made of `side`, in the words of the history ("parent", "child"...)."""
    if link.kind == TicketLink.Kind.PARENT:
        return "parent" if link.source_id == side.pk else "child"
    if link.kind == TicketLink.Kind.FOLLOW_UP:
        return "follow_up" if link.source_id == side.pk else "followed_up_by"
    return str(link.kind)


def mark_abusive(
    message: Message, *, abusive: bool = True, by: User, at: datetime | None = None
) -> bool:
    """Mark a requester's message as abusive (R29), or take the mark off; a FLAGGED event
    with the message's id records it. Who marked it and when are kept on the message.
    Returns False when the message already was as asked. ValueError for a message that
    did not come from the requester.
    """
    if message.direction != Message.Direction.INBOUND:
        raise ValueError("only messages from the requester can be abusive")
    now = at or timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.is_abusive == abusive:
            return False
        meta = dict(locked.meta) if isinstance(locked.meta, dict) else {}
        if abusive:
            meta["abusive"] = {"by": by.pk, "at": iso_utc(now)}
        else:
            meta.pop("abusive", None)
        message.is_abusive = abusive
        message.meta = meta
        message.save(update_fields=["is_abusive", "meta"])
        record_event(
            message.ticket,
            EventKind.FLAGGED,
            actor_user=by,
            channel=Channel.AGENT,
            at=now,
            data={"message": message.pk, "abusive": abusive},
        )
    return True


def close_without_reply(ticket: Ticket, *, by: User, at: datetime | None = None) -> None:
    """Close the ticket without answering it, as the desk may for abusive requests (R29).

    No resolution notice and no rating request are sent (closing never sends them); the
    STATUS event carries the reason "no_reply".
    """
    with transaction.atomic():
        change_status(
            ticket,
            status_for(StatusCategory.CLOSED),
            actor_user=by,
            channel=Channel.AGENT,
            reason="no_reply",
            at=at,
        )
