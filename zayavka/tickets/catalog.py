"""Statuses and priorities, cached per process for a few seconds.

They are a handful of rows read by every intake; an admin's change reaches
this process at once through the signal below, and other processes within TTL.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.models.signals import post_delete, post_save

from zayavka.tickets.models import Priority, Status

TTL = 30.0
_cache: dict[str, tuple[float, list[Any]]] = {}


def _rows(name: str, load: Any) -> list[Any]:
    hit = _cache.get(name)
    now = time.monotonic()
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    rows = list(load())
    _cache[name] = (now, rows)
    return rows


def statuses() -> list[Status]:
    """All statuses, defaults of each category first."""
    return _rows("statuses", lambda: Status.objects.order_by("-is_default", "position", "pk"))


def priorities() -> list[Priority]:
    """All priorities, lowest rank first."""
    return _rows("priorities", lambda: Priority.objects.order_by("rank"))


def clear(**kwargs: Any) -> None:
    _cache.clear()


for _model in (Status, Priority):
    post_save.connect(clear, sender=_model, dispatch_uid=f"catalog-{_model.__name__}-save")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"catalog-{_model.__name__}-delete")
