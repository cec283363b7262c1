"""A Django Tasks backend that hands tasks to Huey."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import Task, TaskResult, TaskResultStatus
from django.tasks.signals import task_enqueued
from django.utils import timezone

from zayavka.core.queue import enqueue


class HueyTaskBackend(BaseTaskBackend):
    supports_defer = True

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        huey_id = enqueue(task.module_path, list(args), dict(kwargs), task.run_after)
        task_result: TaskResult = TaskResult(
            task=task,
            id=huey_id,
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=task_result)
        return deepcopy(task_result)
