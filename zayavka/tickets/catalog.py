"""Statuses and priorities: read by every intake, cached per process (core.refcache)."""

from __future__ import annotations

from zayavka.core.refcache import cached
from zayavka.tickets.models import Priority, Status


def statuses() -> list[Status]:
    """All statuses, defaults of each category first."""
    return cached(
        "statuses", lambda: list(Status.objects.order_by("-is_default", "position", "pk"))
    )


def priorities() -> list[Priority]:
    """All priorities, lowest rank first."""
    return cached("priorities", lambda: list(Priority.objects.order_by("rank")))
