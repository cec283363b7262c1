"""Rate limits for the public form and for what sends account mail (sign-up, password
recovery), per client address and per email address; the limits on failed sign-ins
(every sign-in page alike), per login name and client address, per client address (or
per known device); the progressive delay of a login name failing from everywhere; and
the addresses each name signed in from.

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


def name_key(username: str) -> str:
    """A typed login name as a cache key: case and surrounding spaces do not make another
    name, and a name may hold anything, a cache key may not."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def _lock_keys(ip: str, name: str, device: str) -> dict[str, int]:
    """Each counter that refuses outright for the rest of the window, with its limit.

    - A name from one address: the usual guesser, stopped after a few tries.
    - One address, any names: a guesser trying many names.
    - A known device (its signed cookie, see signin.py) counts apart, for its own name: a
      stolen cookie buys no more guesses than one address has, and the owner's device is
      not locked by what strangers do at their addresses.

    A name from every address together never locks (see `name_delay`)."""
    if device:
        return {f"login:fail:device:{device}": settings.ZAYAVKA_LOGIN_FAILURES_PER_WINDOW}
    return {
        f"login:fail:name-ip:{name}:{ip}": settings.ZAYAVKA_LOGIN_FAILURES_PER_WINDOW,
        f"login:fail:ip:{ip}": settings.ZAYAVKA_LOGIN_FAILURES_PER_IP,
    }


def login_locked(ip: str, username: str, device: str = "") -> bool:
    """Have sign-ins for this name from this address (or this known device), or from this
    address for any name, failed too often within the window? Only reads the counters:
    asking counts nothing."""
    return any(
        limit > 0 and int(cache.get(key, 0)) >= limit
        for key, limit in _lock_keys(ip, name_key(username), device).items()
    )


def _name_count_key(name: str) -> str:
    return f"login:fail:name:{name}"


def _delay(count: int) -> int:
    """The wait after the name's `count`-th failure: none within the free failures, then
    1, 2, 4, … seconds, capped."""
    free: int = settings.ZAYAVKA_LOGIN_FAILURES_PER_NAME
    if free <= 0 or count < free:
        return 0
    return int(min(settings.ZAYAVKA_LOGIN_DELAY_MAX, 2 ** min(count - free, 30)))


def _turn_key(name: str) -> str:
    return f"login:turn:name:{name}"


def name_delay(username: str) -> int:
    """Seconds this attempt must wait because the name fails from everywhere; 0: it may
    go ahead.

    A name fails from many addresses when someone spreads their guesses. Locking the name
    would let any stranger lock an agent out with a few dozen requests, so past
    ZAYAVKA_LOGIN_FAILURES_PER_NAME failures the name gets one attempt per delay, which
    doubles with each further failure up to ZAYAVKA_LOGIN_DELAY_MAX seconds. Attempts
    arriving together when a delay ends get one turn between them. The owner signing in
    from a known device or address is not asked to wait (signin.py)."""
    name = name_key(username)
    now = time.time()
    deadline = float(cache.get(_turn_key(name), 0))
    if deadline > now:
        return max(1, math.ceil(deadline - now))
    delay = _delay(int(cache.get(_name_count_key(name), 0)))
    if not delay:
        return 0
    # The delay has ended: the first attempt to claim this turn takes it.
    if cache.add(f"{_turn_key(name)}:{deadline}", 1, timeout=delay):
        cache.set(_turn_key(name), now + delay, timeout=delay)
        return 0
    return delay


def count_login_failure(ip: str, username: str, device: str = "") -> None:
    """Count one failed sign-in on each counter. The refusing counters' window starts with
    their first failure and is not reset by a success; the name's count lasts until it
    has seen no failure for a whole window, so a slow, long attack keeps its delay."""
    window: int = settings.ZAYAVKA_LOGIN_FAILURE_WINDOW
    name = name_key(username)
    for key, limit in _lock_keys(ip, name, device).items():
        _hit(key, limit, window)
    if device:
        return
    key = _name_count_key(name)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    cache.touch(key, timeout=window)
    delay = _delay(count)
    if delay:
        cache.set(_turn_key(name), time.time() + delay, timeout=delay)


def _known_key(name: str, ip: str) -> str:
    return f"login:known:{name}:{ip}"


def remember_address(ip: str, username: str) -> None:
    """The name signed in from this address: later, a right password from it is not made
    to wait while the name is under attack."""
    if ip:
        days: int = settings.ZAYAVKA_LOGIN_KNOWN_ADDRESS_DAYS
        cache.set(_known_key(name_key(username), ip), 1, timeout=days * 86400)


def known_address(ip: str, username: str) -> bool:
    return bool(ip) and cache.get(_known_key(name_key(username), ip)) is not None
