"""Rate limits for the public form and for what sends account mail (sign-up, password
recovery), per client address and per email address; and the limits on failed sign-ins
(every sign-in page alike), per login name and client address, per client address, and
per login name.

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


def _failure_keys(ip: str, username: str) -> dict[str, int]:
    """Each failure counter with its limit.

    - A name from one address: the usual guesser, stopped after a few tries.
    - One address, any names: a guesser trying many names.
    - A name from every address together: guessing spread over many machines. Its
      limit is high on purpose. A lower one would let anyone lock an agent out of the
      desk with a handful of requests, while the owner, at another address, gets in.

    One counter per name serves both sign-in pages (they share the accounts). Names are
    hashed: a typed name may hold anything, cache keys may not."""
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return {
        f"login:fail:name-ip:{name}:{ip}": settings.ZAYAVKA_LOGIN_FAILURES_PER_WINDOW,
        f"login:fail:ip:{ip}": settings.ZAYAVKA_LOGIN_FAILURES_PER_IP,
        f"login:fail:name:{name}": settings.ZAYAVKA_LOGIN_FAILURES_PER_NAME,
    }


def login_locked(ip: str, username: str) -> bool:
    """Have sign-ins for this name from this address, from this address at all, or for
    this name from everywhere failed too often within the window? Only reads the
    counters: asking counts nothing."""
    return any(
        limit > 0 and int(cache.get(key, 0)) >= limit
        for key, limit in _failure_keys(ip, username).items()
    )


def count_login_failure(ip: str, username: str) -> None:
    """Count one failed sign-in on each counter. The window starts with the first
    failure and is not reset by a success."""
    window: int = settings.ZAYAVKA_LOGIN_FAILURE_WINDOW
    for key, limit in _failure_keys(ip, username).items():
        _hit(key, limit, window)
