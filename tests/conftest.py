"""Shared fixtures: named personas and a world that reads like the demo, built by factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.factories import World, build_world
from zayavka.core import refcache


def pytest_report_header() -> str:
    from django.conf import settings

    engine = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
    return f"zayavka: database={engine} CI={os.environ.get('CI', '')}"


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Attachments and raw inputs of each test go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "files"
    refcache.clear()  # rows cached by an earlier test were rolled back with it
    cache.clear()  # counters (rate limits) of an earlier test
    yield


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def requires_server(name: str, reachable: bool, how: str) -> None:
    """Skip a test whose server is missing, except under CI=true where it must run."""
    if reachable:
        return
    message = f"{name} is not available: {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (required under CI=true)")
    pytest.skip(message)
