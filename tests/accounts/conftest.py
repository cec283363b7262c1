"""The sign-in limits are checked on every sign-in page with the shared personas (a
portal customer, an agent; see tests/conftest.py), in English."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _in_english(in_english: None) -> None:
    """Every test here runs in English (see tests/conftest.py)."""
