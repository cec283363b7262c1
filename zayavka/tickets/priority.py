"""The desk's priority for a new request: the requester's urgency, clients first (R21)."""

from __future__ import annotations

from zayavka.tickets import catalog
from zayavka.tickets.models import Priority, Urgency

_URGENCY_STEP = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.HIGH: 2, Urgency.CRITICAL: 3}


def choose_priority(urgency: str, *, is_client: bool) -> Priority:
    """Map urgency onto the configured priorities, lowest first; prospects one step lower.

    With the default four priorities a client's «normal» is Normal and a prospect's
    is Low; a client's «critical» is Urgent and a prospect's is High.
    """
    ladder = catalog.priorities()
    if not ladder:
        raise Priority.DoesNotExist("no priorities are configured")
    step = _URGENCY_STEP.get(Urgency(urgency) if urgency in Urgency.values else Urgency.NORMAL, 1)
    if not is_client:
        step -= 1
    return ladder[max(0, min(step, len(ladder) - 1))]
