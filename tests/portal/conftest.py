"""The portal tests read English: the shared fixtures (customers, client, phone_browser,
...) and their note are in tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _in_english(in_english: None) -> None:
    """Every test here runs in English (see tests/conftest.py)."""
