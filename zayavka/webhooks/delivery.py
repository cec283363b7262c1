"""The worker's delivery of a `webhook` outbox row: sign, POST, log the attempt.

A 2xx answer is a delivery; anything else (an error status, a timeout, a refused
target) raises, and the outbox tries again later with its backoff (30 s, 1 min, 2 min …
up to 6 h, 15 attempts). Every attempt is logged (`Delivery`, in the admin).
"""

from __future__ import annotations

import json
import logging
import time

from django.utils import timezone

from zayavka.tickets.models import Outbox
from zayavka.webhooks import network, signing
from zayavka.webhooks.models import Delivery, Subscription

log = logging.getLogger(__name__)

TIMEOUT = 10.0
USER_AGENT = "Zayavka-Webhooks/1"


class DeliveryFailed(Exception):
    """The receiver did not take the delivery; the outbox retries it."""


def deliver(item: Outbox) -> None:
    context = item.context if isinstance(item.context, dict) else {}
    subscription = Subscription.objects.filter(pk=int(context.get("subscription") or 0)).first()
    if subscription is None or not subscription.is_active:
        log.info("webhook dropped: subscription gone or off", extra={"outbox": item.pk})
        return
    payload = context.get("payload") or {}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Zayavka-Event": str(payload.get("event", item.template)),
        "Zayavka-Event-Id": str(payload.get("id", "")),
        "Zayavka-Delivery": str(item.pk),
        "Zayavka-Timestamp": str(stamp),
        "Zayavka-Signature": signing.signature(subscription.secret, stamp, body),
    }
    allow_all = subscription.allow_private_network
    started = time.monotonic()
    record = Delivery(
        subscription=subscription,
        outbox=item,
        event=str(payload.get("event", item.template))[:50],
        event_id=str(payload.get("id", ""))[:50],
        url=subscription.url[:300],
        attempt=item.attempts + 1,
    )
    try:
        answer = network.post(
            subscription.url,
            body,
            headers,
            may_connect=(lambda _address: True) if allow_all else network.is_public,
            timeout=TIMEOUT,
        )
    except Exception as exc:
        _log(record, started, error=f"{exc.__class__.__name__}: {exc}")
        raise
    record.status_code = answer.status
    record.response_excerpt = answer.excerpt
    if not 200 <= answer.status < 300:
        _log(record, started, error=f"HTTP {answer.status}")
        raise DeliveryFailed(f"HTTP {answer.status} from {answer.url[:200]}")
    record.ok = True
    _log(record, started)


def _log(record: Delivery, started: float, *, error: str = "") -> None:
    record.error = error[:2000]
    record.duration_ms = int((time.monotonic() - started) * 1000)
    record.created_at = timezone.now()
    record.save(force_insert=True)
