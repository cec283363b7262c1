"""The Huey instance behind Django's Tasks API, created on first use.

SQLite storage under the data directory by default (one process runs the
desk); Redis when ZAYAVKA_REDIS_URL is set (scaled out).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from huey import Huey, RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    schedule: dict[str, str]  # crontab() keyword arguments
    func: str  # dotted path of a function taking no arguments


# Apps add their periodic jobs here (from AppConfig.ready); the worker's
# scheduler runs them. Each job must be safe to run on two machines at once.
PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("heartbeat", {"minute": "*"}, "zayavka.core.jobs.beat"),
    PeriodicJob("auto_close", {"minute": "*/5"}, "zayavka.tickets.actions.lifecycle.auto_close"),
    PeriodicJob("sla_scan", {"minute": "*"}, "zayavka.tickets.actions.escalation.scan"),
]

_huey: Huey | None = None
_runner: Any = None


def _import(path: str) -> Callable[..., Any]:
    module, _, attr = path.rpartition(".")
    func: Callable[..., Any] = getattr(importlib.import_module(module), attr)
    return func


def run_task(path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Run a Django Task by its module path (what the worker executes)."""
    task = _import(path)
    return task.call(*args, **kwargs)  # type: ignore[attr-defined]


def get_huey() -> Huey:
    global _huey, _runner
    if _huey is None:
        _huey = _make_huey()
        _runner = _huey.task(retries=5, retry_delay=10, name="run_task")(run_task)
    return _huey


def enqueue(path: str, args: list[Any], kwargs: dict[str, Any], eta: datetime | None) -> str:
    """Queue a Django Task for the worker; returns Huey's task id."""
    get_huey()
    if eta is None:
        result = _runner(path, args, kwargs)
    else:
        naive_utc = eta.astimezone(UTC).replace(tzinfo=None)
        result = _runner.schedule(args=(path, args, kwargs), eta=naive_utc)
    return str(result.id)


def _make_huey() -> Huey:
    huey: Huey
    if settings.ZAYAVKA_REDIS_URL:
        huey = RedisHuey("zayavka", url=settings.ZAYAVKA_REDIS_URL)
    else:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("zayavka", filename=str(settings.DATA_DIR / "queue.sqlite3"))
    for job in PERIODIC_JOBS:
        func = _periodic_runner(job)
        huey.periodic_task(crontab(**job.schedule), name=job.name)(func)
    return huey


def _periodic_runner(job: PeriodicJob) -> Callable[[], None]:
    def run() -> None:
        try:
            _import(job.func)()
        except Exception:
            log.exception("periodic job failed", extra={"job": job.name})
            raise

    run.__name__ = job.name
    return run
