"""Rate limits for the public form and for what sends account mail (sign-up, password
recovery), per client address and per email address; and the limit on failed sign-ins
(portal and workspace alike), per login name and per client address.

Counts live in Django's cache: a fixed window per key, started by the first hit.
With several web processes the cache must be shared (Redis, the database cache),
or each process counts on its own.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from zayavka.accounts.normalize import email_key


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one hit; False once the key is over its limit within the window."""
    if limit <= 0:
        return True
    now = time.time()
    cache.add(f"{key}:start", now, timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    # Backends without their own incr (the file cache) store the new count with the
    # default timeout: put back the window's end, so a count neither outlives the
    # window nor vanishes before it ends.
    start = float(cache.get(f"{key}:start", now))
    cache.touch(key, timeout=max(1, math.ceil(start + window - now)))
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


def _failure_keys(ip: str, username: str) -> tuple[str, str]:
    # One counter per name for both sign-in pages (they share the accounts), hashed:
    # a typed name may hold anything, cache keys may not.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"login:fail:name:{name}", f"login:fail:ip:{ip}"


def login_locked(ip: str, username: str) -> bool:
    """Have sign-ins for this name, or from this client address, failed too often within
    the window? Only reads the counters: asking counts nothing."""
    by_name, by_ip = _failure_keys(ip, username)
    per_name: int = settings.ZAYAVKA_LOGIN_FAILURES_PER_WINDOW
    per_ip: int = settings.ZAYAVKA_LOGIN_FAILURES_PER_IP
    return (per_name > 0 and int(cache.get(by_name, 0)) >= per_name) or (
        per_ip > 0 and int(cache.get(by_ip, 0)) >= per_ip
    )


def count_login_failure(ip: str, username: str) -> None:
    """Count one failed sign-in against the name and the client address. The window
    starts with the first failure and is not reset by a success."""
    by_name, by_ip = _failure_keys(ip, username)
    window: int = settings.ZAYAVKA_LOGIN_FAILURE_WINDOW
    _hit(by_name, settings.ZAYAVKA_LOGIN_FAILURES_PER_WINDOW, window)
    _hit(by_ip, settings.ZAYAVKA_LOGIN_FAILURES_PER_IP, window)
