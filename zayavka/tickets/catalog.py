"""Statuses and priorities: read by every intake, cached per process (core.refcache)."""

from __future__ import annotations

from zayavka.core.refcache import cached
from zayavka.tickets.models import Priority, Status


def statuses() -> list[Status]:
    """All statuses, defaults of each category first."""
    return cached(
        "statuses", lambda: list(Status.objects.order_by("-is_default", "position", "pk"))
    )


def status(pk: int) -> Status:
    """The status with this id; one added in another process moments ago is read."""
    found = next((s for s in statuses() if s.pk == pk), None)
    return found if found is not None else Status.objects.get(pk=pk)


def status_for(category: str, slug: str = "") -> Status:
    """The status with `slug` in `category` if it exists, else the category's default."""
    in_category = [s for s in statuses() if s.category == category]
    for candidate in in_category:
        if slug and candidate.slug == slug:
            return candidate
    if not in_category:
        raise Status.DoesNotExist(f"no status in category {category!r}")
    return in_category[0]


def priority(pk: int) -> Priority:
    """The priority with this id; one added in another process moments ago is read."""
    found = next((p for p in priorities() if p.pk == pk), None)
    return found if found is not None else Priority.objects.get(pk=pk)


def priorities() -> list[Priority]:
    """All priorities, lowest rank first."""
    return cached("priorities", lambda: list(Priority.objects.order_by("rank")))
