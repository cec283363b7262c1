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
from collections.abc import Callable, Collection
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

TTL = 30.0
_cache: dict[str, tuple[float, Any]] = {}
# The fields of each watched model that no loader reads: a save of only these keeps the cache.
_unread: dict[type[models.Model], frozenset[str]] = {}


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


def _saved(
    sender: type[models.Model], update_fields: Collection[str] | None = None, **kwargs: Any
) -> None:
    unread = _unread.get(sender, frozenset())
    if update_fields is not None and unread.issuperset(update_fields):
        return  # e.g. a sign-in, which saves only the user's last_login
    _cache.clear()


def clear_on_change(*senders: type[models.Model], unread: Collection[str] = ()) -> None:
    """Clear the cache whenever a row of these models is saved or deleted, except by a
    save limited (`update_fields`) to `unread`: fields no cached loader reads."""
    for model in senders:
        _unread[model] = frozenset(unread)
        uid = f"refcache-{model._meta.label}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(clear, sender=model, dispatch_uid=f"{uid}-delete")
