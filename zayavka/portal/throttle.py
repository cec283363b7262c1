"""Rate limits for the public form and for what sends account mail (sign-up, password
recovery), per client address and per email address.

Counts live in Django's cache: a fixed window per key, started by the first hit.
With several web processes the cache must be shared (Redis, the database cache),
or each process counts on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from zayavka.accounts.normalize import email_key


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one hit; False once the key is over its limit within the window."""
    if limit <= 0:
        return True
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit


def allow(action: str, ip: str, email: str) -> bool:
    """May one more `action` (a request filed, a sign-up, a password email) come from this
    client address for this email? Each action counts apart, under the same limits."""
    window: int = settings.ZAYAVKA_WEBFORM_RATE_WINDOW
    by_ip = _hit(f"portal:{action}:ip:{ip}", settings.ZAYAVKA_WEBFORM_RATE_PER_IP, window)
    by_email = _hit(
        f"portal:{action}:email:{email_key(email)}",
        settings.ZAYAVKA_WEBFORM_RATE_PER_EMAIL,
        window,
    )
    return by_ip and by_email
