"""The worker's periodic jobs: each app registers its own, Huey's scheduler runs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from zayavka.api import idempotency
from zayavka.core import queue
from zayavka.core.jobs import beat
from zayavka.tickets.actions import escalation, lifecycle

SCHEDULES = {
    "heartbeat": {"minute": "*"},
    "auto_close": {"minute": "*/5"},
    "sla_scan": {"minute": "*"},
    "api_prune_idempotency": {"minute": "17", "hour": "3"},
}


def scheduled(huey: Any, at: datetime) -> set[str]:
    """The jobs the scheduler starts at `at`."""
    return {task.name for task in huey.read_periodic(at)}


def test_the_workers_scheduler_runs_exactly_the_registered_jobs_at_their_schedules(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    huey = queue._make_huey()  # what `zayavka worker` builds (get_huey), on a scratch file
    assert scheduled(huey, datetime(2026, 3, 13, 10, 0)) == {"heartbeat", "auto_close", "sla_scan"}
    assert scheduled(huey, datetime(2026, 3, 13, 10, 1)) == {"heartbeat", "sla_scan"}
    assert scheduled(huey, datetime(2026, 3, 13, 3, 17)) == {
        "heartbeat",
        "sla_scan",
        "api_prune_idempotency",
    }
    jobs = {job.name: job for job in queue.periodic_jobs()}
    assert {name: job.schedule for name, job in jobs.items()} == SCHEDULES
    assert all(callable(job.resolve()) for job in jobs.values())
    assert jobs["heartbeat"].resolve() is beat
    assert jobs["auto_close"].resolve() is lifecycle.auto_close
    assert jobs["sla_scan"].resolve() is escalation.scan
    assert jobs["api_prune_idempotency"].resolve() is idempotency.prune


def test_the_apps_register_their_jobs_again_without_change() -> None:
    before = queue.periodic_jobs()
    for label in ("core", "sla", "tickets", "api"):
        apps.get_app_config(label).ready()  # as Django does again in some tests
    assert queue.periodic_jobs() == before


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty registry and no scheduler built yet, as at start-up."""
    monkeypatch.setattr(queue, "_jobs", {})
    monkeypatch.setattr(queue, "_huey", None)
    yield


def test_registering_the_same_job_twice_is_harmless(registry: None) -> None:
    queue.register_periodic_job("heartbeat", {"minute": "*"}, "zayavka.core.jobs.beat")
    queue.register_periodic_job("heartbeat", {"minute": "*"}, "zayavka.core.jobs.beat")
    queue.register_periodic_job("heartbeat", {"minute": "*"}, beat)  # the same function
    assert [job.name for job in queue.periodic_jobs()] == ["heartbeat"]


@pytest.mark.parametrize(
    ("schedule", "func"),
    [
        ({"minute": "*"}, "zayavka.tickets.actions.lifecycle.auto_close"),
        ({"minute": "*"}, lifecycle.auto_close),
        ({"minute": "*/5"}, "zayavka.core.jobs.beat"),
    ],
)
def test_another_job_under_a_taken_name_is_an_error(
    registry: None, schedule: dict[str, str], func: Any
) -> None:
    queue.register_periodic_job("heartbeat", {"minute": "*"}, "zayavka.core.jobs.beat")
    with pytest.raises(ValueError, match="already registered"):
        queue.register_periodic_job("heartbeat", schedule, func)


def test_a_job_registered_after_the_scheduler_was_built_is_an_error(
    registry: None, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    queue.get_huey()
    with pytest.raises(RuntimeError, match="after the scheduler was built"):
        queue.register_periodic_job("late", {"minute": "*"}, beat)


def test_a_malformed_schedule_fails_at_registration(registry: None) -> None:
    with pytest.raises(ValueError):
        queue.register_periodic_job("heartbeat", {"minute": "sixty"}, beat)


def test_a_callable_is_run_as_registered(registry: None, settings: Any, tmp_path: Path) -> None:
    calls: list[str] = []
    queue.register_periodic_job("probe", {"minute": "*"}, lambda: calls.append("ran"))
    settings.DATA_DIR = tmp_path
    huey = queue.get_huey()
    huey.immediate = True  # in-memory storage, tasks run when queued
    for task in huey.read_periodic(datetime(2026, 3, 13, 10, 0)):
        huey.enqueue(task)
    assert calls == ["ran"]


@pytest.mark.django_db
def test_the_heartbeat_job_records_this_worker() -> None:
    from zayavka.core.models import WorkerHeartbeat

    job = next(job for job in queue.periodic_jobs() if job.name == "heartbeat")
    job.resolve()()
    job.resolve()()
    assert WorkerHeartbeat.objects.count() == 1
