"""Where the shared mail corpora are, for the tests that read them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def corpora_or_skip() -> Path:
    """The corpora directory; skips the calling module when absent, fails under CI=true.

    ``../shared/corpora`` beside the repository, or ``$ZAYAVKA_CORPORA``.
    """
    env = os.environ.get("ZAYAVKA_CORPORA")
    path = Path(env) if env else Path(__file__).resolve().parents[3].parent / "shared" / "corpora"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"mail corpora not found at {path} under CI", pytrace=False)
        pytest.skip(
            f"mail corpora not found at {path} (set ZAYAVKA_CORPORA)", allow_module_level=True
        )
    return path
