"""The webhook: Telegram posts each update here with the secret set by setWebhook in
``X-Telegram-Bot-Api-Secret-Token``.

200 once the update is committed (kept and handled, a duplicate, or quarantined: an
over-large body or one that is not an update is answered so too, since Telegram sends
again whatever is not a 2xx and one bad update would hold back those after it); 403
without the right secret; 404 when no webhook is configured; 503 when the database
fails, so that Telegram delivers it again.
"""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from zayavka.channels.telegram import health
from zayavka.channels.telegram.receive import Outcome, take
from zayavka.tickets.actions import intake

log = logging.getLogger(__name__)

SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"  # noqa: S105 (a header name)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.ZAYAVKA_TELEGRAM_WEBHOOK_SECRET
    if not secret or not settings.ZAYAVKA_TELEGRAM_TOKEN:
        return HttpResponse(status=404)
    given = request.META.get(SECRET_HEADER, "")
    if not constant_time_compare(given, secret):
        return HttpResponse(status=403)
    limit = settings.ZAYAVKA_TELEGRAM_MAX_UPDATE_BYTES
    raw = request.read(limit + 1)
    try:
        if len(raw) > limit:
            intake.quarantine_raw("telegram", "", raw[:limit], f"update over {limit} bytes")
            outcome = Outcome.QUARANTINED
        else:
            outcome = take(raw)  # quarantines what is not an update
    except DatabaseError as exc:
        log.exception("telegram webhook: update not stored")
        with contextlib.suppress(DatabaseError):
            health.record_failure(health.WEBHOOK, f"{exc.__class__.__name__}: {exc}")
        return HttpResponse("try again later", status=503)
    health.record_ok(health.WEBHOOK)
    return JsonResponse({"result": str(outcome)})
