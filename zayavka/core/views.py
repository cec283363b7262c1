from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache

from zayavka.channels.telegram import health as telegram_health
from zayavka.core.models import WorkerHeartbeat


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, a worker has beaten recently and the Telegram
    receiver (when a bot is configured) is not failing, else 503."""
    checks: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        last = (
            WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        )
    except DatabaseError as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
        last = None
    max_age = timedelta(seconds=settings.ZAYAVKA_HEARTBEAT_MAX_AGE)
    if last is None:
        checks["worker"] = "no heartbeat"
    elif timezone.now() - last > max_age:
        checks["worker"] = f"stale since {last.isoformat()}"
    else:
        checks["worker"] = "ok"
    if checks["database"] == "ok":
        telegram = telegram_health.check()
        if telegram is not None:
            checks["telegram"] = telegram
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, files)."""
    return HttpResponsePermanentRedirect(static("zayavka/icon.svg"))
