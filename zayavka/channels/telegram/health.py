"""How the Telegram receivers fare, for /healthz: the poller records each successful
getUpdates (at most every `OK_EVERY`) and each failure; the webhook records failures
to keep an update and the successes after them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from zayavka.channels.telegram.models import ReceiverStatus

POLLER = "poller"
WEBHOOK = "webhook"
OK_EVERY = timedelta(seconds=30)

_last_ok: dict[str, datetime] = {}


def record_ok(name: str) -> None:
    now = timezone.now()
    last = _last_ok.get(name)
    if last is not None and now - last < OK_EVERY:
        return
    ReceiverStatus.objects.update_or_create(name=name, defaults={"ok_at": now})
    _last_ok[name] = now


def record_failure(name: str, error: str) -> None:
    _last_ok.pop(name, None)  # the next success is written at once
    ReceiverStatus.objects.update_or_create(
        name=name, defaults={"failed_at": timezone.now(), "error": error[:2000]}
    )


def mode() -> str:
    """Which receiver the desk runs: none without a token, else the webhook when it has
    a secret, else the poller."""
    if not settings.ZAYAVKA_TELEGRAM_TOKEN:
        return ""
    return WEBHOOK if settings.ZAYAVKA_TELEGRAM_WEBHOOK_SECRET else POLLER


def check() -> str | None:
    """ "ok" or what is wrong with the running receiver; None when there is no bot."""
    name = mode()
    if not name:
        return None
    status = ReceiverStatus.objects.filter(name=name).first()
    failed_at = status.failed_at if status is not None else None
    ok_at = status.ok_at if status is not None else None
    if status is not None and failed_at is not None and (ok_at is None or failed_at > ok_at):
        return f"{name} failing: {status.error[:200]}"
    if name == WEBHOOK:
        return "ok"  # no update yet is no failure: Telegram posts when people write
    if status is None or status.ok_at is None:
        return "poller: no heartbeat"
    if timezone.now() - status.ok_at > timedelta(seconds=settings.ZAYAVKA_HEARTBEAT_MAX_AGE):
        return f"poller stale since {status.ok_at.isoformat()}"
    return "ok"
