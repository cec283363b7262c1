"""Fifty people at once on the desk on PostgreSQL, started as `zayavka serve` starts it:
none of them gets an error, and the desk holds a bounded number of connections. Under
ASGI each request runs in a thread of its own; with persistent per-thread connections
PostgreSQL ran out of them (issue 15). The figures are in bench/web_load.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from bench.web_load import load, running_desk, scratch_database

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

POOL = 4  # per process: the web server's and the worker's


def server_base() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


def test_fifty_clients_get_no_error_and_the_connections_stay_bounded(tmp_path: Path) -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("runs in the PostgreSQL pass (ZAYAVKA_DATABASE_URL)")
    env = {"ZAYAVKA_DB_POOL_MAX_SIZE": str(POOL), "ZAYAVKA_WEB_WORKERS": "1"}
    # The role may hold 30: a desk that leaked would fail here, not starve the server.
    with (
        scratch_database(server_base(), connection_limit=30) as url,
        running_desk(url, tmp_path / "var", env=env) as (base_url, proc),
    ):
        run = load(base_url, url, proc.pid, clients=50, seconds=8)
    statuses = run.results.statuses
    assert run.results.errors == []
    assert statuses["POST form 302"] > 0 and statuses["GET thanks 200"] > 0
    assert statuses["GET form 200"] > 0 and statuses["GET login 200"] > 0
    assert 0 < run.most_connections <= 2 * POOL
    assert run.connections_after <= 2 * POOL
