"""API tokens: issuing one (its secret shown once) and knowing the token of a request.

A token reads "zv_<prefix>_<secret>". The prefix picks the row; only the SHA-256 of the
secret is stored. One UPDATE both checks a presented token and counts it against the
token's rate limit (a fixed window of a minute) and stamps its last use: the one round
trip every API request pays before its own work.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from zayavka.accounts.models import Organization, User
from zayavka.api.models import ApiToken, Scope

PREFIX = "zv_"
WINDOW = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    *,
    name: str,
    user: User,
    scopes: Iterable[str],
    kind: str = ApiToken.Kind.AGENT,
    rate_limit: int = 600,
    organization: Organization | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Make a token; returns it with its plain text, which is never stored nor shown again.
    ValueError for a scope that does not exist."""
    chosen = sorted(set(scopes))
    unknown = set(chosen) - set(Scope.values)
    if unknown:
        raise ValueError(f"unknown scopes: {sorted(unknown)}")
    token = ApiToken(
        name=name,
        kind=kind,
        user=user,
        organization=organization,
        scopes=chosen,
        rate_limit=rate_limit,
        created_by=created_by,
    )
    plain = fill_secret(token)
    token.save()
    return token, plain


def fill_secret(token: ApiToken) -> str:
    """Give an unsaved token a new prefix and secret; returns the token's plain text."""
    token.prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    token.digest = _digest(secret)
    return f"{PREFIX}{token.prefix}_{secret}"


def revoke_token(token: ApiToken, *, at: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        token.save(update_fields=["revoked_at"])


@dataclass(frozen=True)
class Presented:
    """A valid token as a request presented it, with its rate limit's state."""

    token_id: int
    user_id: int
    organization_id: int | None
    kind: str
    scopes: frozenset[str]
    rate_limit: int
    hits: int
    window_ends: datetime

    @property
    def over_limit(self) -> bool:
        return self.rate_limit > 0 and self.hits > self.rate_limit

    @property
    def remaining(self) -> int:
        return max(self.rate_limit - self.hits, 0)


def present(plain: str, *, now: datetime | None = None) -> Presented | None:
    """The token whose plain text this is, counted as used now; None for an unknown,
    mistyped or revoked token (which counts nothing)."""
    if not plain.startswith(PREFIX):
        return None
    prefix, _, secret = plain[len(PREFIX) :].partition("_")
    if not prefix or not secret or len(prefix) > 16 or len(secret) > 200:
        return None
    now = now or timezone.now()
    when = connection.ops.adapt_datetimefield_value
    table = ApiToken._meta.db_table
    fresh = "window_start IS NULL OR window_start <= %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "  # noqa: S608 (our own table's name)
            f"window_hits = CASE WHEN {fresh} THEN 1 ELSE window_hits + 1 END, "
            f"window_start = CASE WHEN {fresh} THEN %s ELSE window_start END, "
            "last_used_at = %s "
            "WHERE prefix = %s AND digest = %s AND revoked_at IS NULL "
            "RETURNING id, user_id, organization_id, kind, scopes, rate_limit, "
            "window_hits, window_start",
            [
                when(now - WINDOW),
                when(now - WINDOW),
                when(now),
                when(now),
                prefix,
                _digest(secret),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, user_id, organization_id, kind, scopes, rate_limit, hits, start = row
    if isinstance(scopes, str):
        scopes = json.loads(scopes)
    if isinstance(start, str):  # SQLite hands timestamps back as text
        start = datetime.fromisoformat(start)
    if timezone.is_naive(start):
        start = timezone.make_aware(start, timezone.get_fixed_timezone(0))
    return Presented(
        token_id=token_id,
        user_id=user_id,
        organization_id=organization_id,
        kind=kind,
        scopes=frozenset(scopes or ()),
        rate_limit=rate_limit,
        hits=hits,
        window_ends=start + WINDOW,
    )
