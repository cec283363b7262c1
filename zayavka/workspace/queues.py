"""The agent's queues: which tickets each holds, and how many, in one query for all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, DateTimeField, F, Q, QuerySet, When
from django.db.models.functions import Least
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Team
from zayavka.tickets import access
from zayavka.tickets.access import AnyUser
from zayavka.tickets.models import StatusCategory, Ticket

ACTIVE = (StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.PENDING)
DONE = (StatusCategory.RESOLVED, StatusCategory.CLOSED)
# The clock runs only in these (it is paused while the ticket waits for the requester).
RUNNING = (StatusCategory.NEW, StatusCategory.OPEN)
# A deadline nearer than this puts the ticket in «at risk».
AT_RISK_WITHIN = timedelta(hours=4)
# A count is exact up to here and shows «999+» beyond: counting reads at most this many
# index entries per queue, so the navigation costs the same on a desk with a hundred
# thousand open tickets as on a small one. Nobody works a queue by its exact size past
# a thousand; below it every figure is exact.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str | Promise
    default_sort: str
    counted: bool = True


QUEUES = [
    Queue("mine", _("My open tickets"), "-updated"),
    Queue("unassigned", _("Unassigned"), "-updated"),
    Queue("team", _("My teams"), "-updated"),
    Queue("open", _("All open"), "-updated"),
    Queue("pending", _("Waiting for requester"), "-updated"),
    Queue("at_risk", _("At risk and overdue"), "deadline"),
    Queue("closed", _("Resolved and closed"), "-updated"),
    # Where the search box looks: every ticket one may see, open or not.
    Queue("all", _("All tickets"), "-updated", counted=False),
]
BY_SLUG = {q.slug: q for q in QUEUES}


def with_next_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate `next_due`: the first-response deadline while no reply has been given
    (when it is the nearer one), else the resolution deadline."""
    pending_response = Q(first_responded_at__isnull=True, first_response_due__isnull=False)
    return tickets.annotate(
        next_due=Case(
            When(
                pending_response & Q(resolution_due__isnull=False),
                then=Least("first_response_due", "resolution_due"),
            ),
            When(pending_response, then=F("first_response_due")),
            default=F("resolution_due"),
            output_field=DateTimeField(),
        )
    )


def my_team_ids(user: AnyUser) -> list[int]:
    agent = access.agent_of(user)
    if agent is None:
        return []
    return list(
        Team.objects.filter(Q(agents=agent) | Q(lead_id=user.pk))
        .values_list("pk", flat=True)
        .distinct()
    )


def queue_filter(slug: str, user: AnyUser, now: datetime, team_ids: list[int]) -> Q:
    """The condition for a queue's tickets (on a queryset annotated by with_next_due)."""
    active = Q(state__in=ACTIVE)
    if slug == "mine":
        return active & Q(assignee_id=user.pk)
    if slug == "unassigned":
        return active & Q(assignee__isnull=True)
    if slug == "team":
        return active & Q(team_id__in=team_ids)
    if slug == "open":
        return active
    if slug == "pending":
        return Q(state=StatusCategory.PENDING)
    if slug == "at_risk":
        return Q(state__in=RUNNING, next_due__lte=now + AT_RISK_WITHIN)
    if slug == "closed":
        return Q(state__in=DONE)
    if slug == "all":
        return Q()
    raise KeyError(slug)


def queue_tickets(slug: str, user: AnyUser, now: datetime) -> QuerySet[Ticket]:
    """The tickets of one queue, as `user` may see them."""
    tickets = with_next_due(access.agent_tickets(user))
    return tickets.filter(queue_filter(slug, user, now, my_team_ids(user)))


def queue_counts(user: AnyUser, now: datetime) -> dict[str, int | None]:
    """How many tickets each queue holds, exactly up to COUNT_CAP and None beyond («999+»).
    One small query a queue, each stopping at the cap."""
    team_ids = my_team_ids(user)
    visible = with_next_due(access.agent_tickets(user))
    counts: dict[str, int | None] = {}
    for queue in QUEUES:
        if not queue.counted:
            continue
        held = visible.filter(queue_filter(queue.slug, user, now, team_ids))
        found = held.order_by().values("pk")[:COUNT_CAP].count()
        counts[queue.slug] = None if found >= COUNT_CAP else found
    return counts
