"""What every workspace page needs: the queue navigation, the htmx switch, redirects."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from zayavka.workspace.queues import QUEUES, queue_counts


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def nav_context(
    request: HttpRequest, current: str = "", *, with_counts: bool = False
) -> dict[str, Any]:
    """The queue navigation. Without counts (the page loads them afterwards from
    `counts`, see base.html) unless `with_counts`."""
    counts = queue_counts(request.user, timezone.now()) if with_counts else {}
    return {
        "current_queue": current,
        "counted": with_counts,
        "queue_nav": [
            {
                "queue": q,
                "count": counts.get(q.slug),
                "capped": with_counts and q.counted and counts.get(q.slug) is None,
                "current": q.slug == current,
            }
            for q in QUEUES
        ],
    }


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` the form carried, if it points back into this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
