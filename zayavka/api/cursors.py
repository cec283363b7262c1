"""Keyset pages: a cursor is the sort key of the last item seen, opaque to clients."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from zayavka.api.errors import ApiError

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


def encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, kinds: tuple[type, ...]) -> list[Any]:
    """The values a cursor holds, checked against the types `kinds` of its sort key;
    400 `invalid_cursor` for anything else (a cursor of another listing, a typo)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error) as exc:
        raise _invalid() from exc
    if not isinstance(values, list) or len(values) != len(kinds):
        raise _invalid()
    for value, kind in zip(values, kinds, strict=True):
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _invalid()
        if isinstance(value, int) and not 0 <= value < 2**63:
            raise _invalid()
    return values


def _invalid() -> ApiError:
    return ApiError(400, "invalid_cursor", "The cursor is not one this listing gave.")
