"""App code enqueues with Django's Tasks API; Huey runs it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.tasks import task

from zayavka.core import queue

CALLS: list[int] = []


@task
def double(x: int) -> int:
    CALLS.append(x)
    return 2 * x


@pytest.fixture
def huey_inline(settings: Any) -> Iterator[None]:
    settings.TASKS = {"default": {"BACKEND": "zayavka.core.tasks.HueyTaskBackend"}}
    huey = queue.get_huey()
    huey.immediate = True  # in-memory storage, tasks run at enqueue
    yield
    huey.immediate = False
    CALLS.clear()


def test_a_django_task_is_run_by_huey(huey_inline: None) -> None:
    result = double.enqueue(21)
    assert CALLS == [21]
    assert result.backend == "default" and result.id


def test_every_periodic_job_points_at_a_function() -> None:
    for job in queue.PERIODIC_JOBS:
        assert callable(queue._import(job.func)), job.name


@pytest.mark.django_db
def test_the_heartbeat_job_records_this_worker() -> None:
    from zayavka.core.models import WorkerHeartbeat

    queue._import("zayavka.core.jobs.beat")()
    queue._import("zayavka.core.jobs.beat")()
    assert WorkerHeartbeat.objects.count() == 1
