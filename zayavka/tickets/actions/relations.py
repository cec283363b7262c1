"""Tickets as a whole: merged, and linked to each other (related, parent and child,
follow-up). Each agent's call checks that the agent may work on every ticket involved
and records the change in the history of both."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zayavka.accounts.models import Channel, User
from zayavka.tickets import access, catalog, fulltext
from zayavka.tickets.actions.events import record_event
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import EventKind, StatusCategory, Ticket, TicketLink


class TicketsNotLinked(ValueError):
    """A merge or a link the desk refuses. `code`: "self" (the ticket itself),
    "source_merged", "target_merged" (a merged ticket), "reversed" (the other way round
    already)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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
    access.check_may_work(by, source, target)
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
        fulltext.index_merge(source.pk, target.pk)
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
                catalog.status_for(StatusCategory.CLOSED),
                actor_user=by,
                channel=Channel.AGENT,
                reason="merged",
                at=now,
            )
        target.updated_at = max(target.updated_at, now)
        Ticket.objects.filter(pk=target.pk).update(updated_at=target.updated_at)


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
    access.check_may_work(by, ticket, other)
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
    access.check_may_work(by, ticket, other)
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


def link_tickets(source: Ticket, target: Ticket, kind: str, *, channel: str = "") -> None:
    """Link a ticket the desk opened to another (intake: a follow-up of a closed ticket,
    or the one a stranger's mail pointed at), and record it on the new ticket."""
    with transaction.atomic(savepoint=False):
        _, created = TicketLink.objects.get_or_create(source=source, target=target, kind=kind)
        if created:
            record_event(
                source,
                EventKind.LINKED,
                channel=channel,
                data={"kind": kind, "ticket": target.number},
            )
