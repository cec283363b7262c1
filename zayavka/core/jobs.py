"""Periodic jobs of the core app."""

from __future__ import annotations

import os
import socket

from django.utils import timezone

from zayavka.core.models import WorkerHeartbeat


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker=worker_name(), defaults={"beat_at": timezone.now()}
    )
