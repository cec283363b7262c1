"""The webhook signature: HMAC-SHA256 over "<timestamp>.<body>" with the subscription's
secret, sent as `Zayavka-Signature: v1=<hex>` beside `Zayavka-Timestamp: <unix seconds>`.
The timestamp inside the signed text lets a receiver refuse replays of old deliveries.
Pure: no Django."""

from __future__ import annotations

import hashlib
import hmac

VERSION = "v1"
TOLERANCE = 300  # seconds a receiver should accept between the timestamp and its clock


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{VERSION}={mac.hexdigest()}"


def verify(
    secret: str, header: str, timestamp: str, body: bytes, *, now: float, tolerance: int = TOLERANCE
) -> bool:
    """What a receiver does: the timestamp is recent and one of the header's signatures
    (comma-separated, for secret rotation) is ours."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False
    expected = signature(secret, sent, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
