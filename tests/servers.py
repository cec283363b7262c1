"""Tests that need a program or server from outside Python (Chromium, Dovecot, swaks)."""

from __future__ import annotations

import os

import pytest


def requires_server(name: str, reachable: bool, how: str) -> None:
    """Skip a test whose server is missing, except under CI=true where it must run."""
    if reachable:
        return
    message = f"{name} is not available: {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (required under CI=true)")
    pytest.skip(message)
