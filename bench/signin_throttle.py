"""Benchmark: what the sign-in throttle costs per attempt, in the configured cache.

    .venv/bin/python bench/signin_throttle.py --attempts 2000

Runs the throttle's steps exactly as LimitedAuthenticationForm and LimitedLoginView call
them, without the password check and the database: a failed attempt (lock check, known
address, name delay, counting the failure) and a successful one (the checks, then
remembering the address). Counts the cache operations of each and times them, p50/p95
in milliseconds over --attempts attempts, on the cache of the settings: the file cache in
a temporary data directory unless ZAYAVKA_REDIS_URL names a Redis. The attacked name has
ZAYAVKA_LOGIN_FAILURES_PER_NAME switched off so that every attempt does the full work.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("ZAYAVKA_DATA_DIR", tempfile.mkdtemp())
    os.environ.setdefault("ZAYAVKA_SECRET_KEY", "bench")
    os.environ["ZAYAVKA_LOGIN_FAILURES_PER_NAME"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "zayavka.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache

    from zayavka.accounts import throttle

    ops: Counter[str] = Counter()
    for name in ("get", "set", "add", "incr", "touch"):
        original = getattr(cache, name)

        def counted(*a: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            ops[_name] += 1
            return _original(*a, **kw)

        setattr(cache, name, counted)

    def failed(n: int) -> None:
        ip, name = f"198.51.{n // 250 % 250}.{n % 250}", f"user{n % 50}"
        throttle.login_locked(ip, name)
        throttle.known_address(ip, name)
        throttle.name_delay(name)
        throttle.count_login_failure(ip, name)

    def succeeded(n: int) -> None:
        ip, name = f"203.0.{n // 250 % 250}.{n % 250}", f"agent{n % 50}"
        throttle.login_locked(ip, name)
        throttle.known_address(ip, name)
        throttle.name_delay(name)
        throttle.remember_address(ip, name)

    result: dict[str, Any] = {"cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}
    for label, step in (("failed", failed), ("succeeded", succeeded)):
        cache.clear()
        ops.clear()
        times = []
        for n in range(args.attempts):
            start = time.perf_counter()
            step(n)
            times.append((time.perf_counter() - start) * 1000)
        result[label] = {
            "cache_ops": round(sum(ops.values()) / args.attempts, 1),
            "p50_ms": round(statistics.median(times), 3),
            "p95_ms": round(statistics.quantiles(times, n=20)[18], 3),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
