"""The periodic jobs and the Huey instance that schedules and runs them.

Each app registers its jobs from its AppConfig.ready() with `register_periodic_job`;
the worker (`zayavka worker`) builds the Huey instance on first use and its scheduler
runs every registered job. SQLite storage under the data directory by default (one
process runs the desk); Redis when ZAYAVKA_REDIS_URL is set (scaled out: one scheduler,
any number of workers taking the jobs it queues).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from huey import Huey, RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)

type JobFunc = Callable[[], object]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    schedule: Mapping[str, str]  # crontab() keyword arguments
    func: str | JobFunc  # a function taking no arguments, or its dotted path

    def resolve(self) -> JobFunc:
        return _resolve(self.func)


_jobs: dict[str, PeriodicJob] = {}
_huey: Huey | None = None


def register_periodic_job(name: str, schedule: Mapping[str, str], func: str | JobFunc) -> None:
    """Have the worker's scheduler run `func` at `schedule` (crontab() keyword arguments,
    e.g. {"minute": "*/5"}). Call it from AppConfig.ready(), with a dotted path so that
    the app does not import the job's module at start-up. Each job must be safe to run
    on two machines at once. Registering the same job again changes nothing; another
    job under a taken name is an error."""
    crontab(**schedule)  # a mistake in the schedule fails at start-up, not in the worker
    job = PeriodicJob(name, dict(schedule), func)
    existing = _jobs.get(name)
    if existing is not None:
        if existing.schedule == job.schedule and _same_function(existing.func, job.func):
            return
        raise ValueError(f"periodic job {name!r} is already registered as {existing}")
    if _huey is not None:
        raise RuntimeError(f"periodic job {name!r} registered after the scheduler was built")
    _jobs[name] = job


def periodic_jobs() -> list[PeriodicJob]:
    """The registered jobs, in the order they were registered."""
    return list(_jobs.values())


def _same_function(a: str | JobFunc, b: str | JobFunc) -> bool:
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return False
    return _resolve(a) is _resolve(b)


def _resolve(func: str | JobFunc) -> JobFunc:
    return _import(func) if isinstance(func, str) else func


def _import(path: str) -> JobFunc:
    module, _, attr = path.rpartition(".")
    func: JobFunc = getattr(importlib.import_module(module), attr)
    return func


def get_huey() -> Huey:
    global _huey
    if _huey is None:
        _huey = _make_huey()
    return _huey


def _make_huey() -> Huey:
    huey: Huey
    if settings.ZAYAVKA_REDIS_URL:
        huey = RedisHuey("zayavka", url=settings.ZAYAVKA_REDIS_URL)
    else:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("zayavka", filename=str(settings.DATA_DIR / "queue.sqlite3"))
    for job in _jobs.values():
        huey.periodic_task(crontab(**job.schedule), name=job.name)(_periodic_runner(job))
    return huey


def _periodic_runner(job: PeriodicJob) -> Callable[[], None]:
    def run() -> None:
        try:
            job.resolve()()
        except Exception:
            log.exception("periodic job failed", extra={"job": job.name})
            raise

    run.__name__ = job.name
    return run
