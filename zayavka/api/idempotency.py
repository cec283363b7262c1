"""`Idempotency-Key`: a request sent again with the same key gets the first answer.

The key is claimed (inserted) before the work starts, so two copies racing each other
cannot both do it: the second sees the claim. Per token and key:
- first time: the claim is written, the work done, its answer stored with the claim;
- the same body again: the stored answer, replayed (`Idempotent-Replayed: true`);
- another body: 409 `idempotency_key_reused`;
- while the first is still at work: 409 `idempotency_request_in_progress`.
A request that fails (refused, or an error) releases its claim: a corrected one may
use the key again. Keys are kept for KEEP_DAYS days.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from zayavka.api.errors import ApiError
from zayavka.api.models import IdempotencyKey

KEEP_DAYS = 7


@dataclass(frozen=True)
class Replay:
    status: int
    body: Any


def fingerprint(operation: str, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


def claim(token_id: int, key: str, print_: str) -> Replay | None:
    """Claim the key for this request; the stored answer when it was answered before
    with the same body. ApiError 409 when the key went with another body, or its first
    request is still being answered."""
    if _insert(token_id, key, print_):
        return None
    existing = IdempotencyKey.objects.filter(token_id=token_id, key=key).first()
    if existing is None:  # released meanwhile: try once more
        return claim(token_id, key, print_)
    if existing.fingerprint != print_:
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was used with another request body.",
        )
    if existing.status_code is None:
        raise ApiError(
            409,
            "idempotency_request_in_progress",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            headers={"Retry-After": "1"},
        )
    return Replay(existing.status_code, existing.response)


def _insert(token_id: int, key: str, print_: str) -> bool:
    """Claim the key in one statement (no transaction of its own, no savepoint): False
    when a row for it exists already."""
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, key, fingerprint, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (token_id, key) DO NOTHING RETURNING id",
            [token_id, key, print_, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        return cursor.fetchone() is not None


def store(token_id: int, key: str, status: int, body: Any) -> None:
    IdempotencyKey.objects.filter(token_id=token_id, key=key).update(
        status_code=status, response=body
    )


def release(token_id: int, key: str) -> None:
    IdempotencyKey.objects.filter(token_id=token_id, key=key, status_code__isnull=True).delete()


def prune() -> int:
    """Forget keys older than KEEP_DAYS (a periodic job; safe to run anywhere, twice)."""
    cutoff = timezone.now() - timedelta(days=KEEP_DAYS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
