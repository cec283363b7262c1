"""Reference rows (statuses, priorities, SLA targets …) cached per process for a few seconds.

They are a handful of rows read by every intake. A change made in this process clears
the cache at once (signals); other processes see it within TTL seconds.

Every model a `cached()` loader reads is registered with `clear_on_change()` by the
model's own app, in its AppConfig.ready() — never at the bottom of the module that
reads it, which would clear the cache only once that module happened to be imported.
A loader that starts reading another model registers that model there too
(tests/core/test_refcache.py lists them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

TTL = 30.0
_cache: dict[str, tuple[float, Any]] = {}


def cached(name: str, load: Callable[[], Any]) -> Any:
    """`load()`'s value, reused for TTL seconds under `name`."""
    hit = _cache.get(name)
    now = time.monotonic()
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    value = load()
    _cache[name] = (now, value)
    return value


def clear(**kwargs: Any) -> None:
    _cache.clear()


def clear_on_change(*senders: type[models.Model]) -> None:
    for model in senders:
        uid = f"refcache-{model._meta.label}"
        post_save.connect(clear, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(clear, sender=model, dispatch_uid=f"{uid}-delete")
