"""The benchmarks' scratch database: `zayavka_bench_<pid>` created at
``$ZAYAVKA_BENCH_POSTGRES`` (default ``postgres://postgres@127.0.0.1:5432``), with a fresh
data directory, and Django's settings pointed at both through the environment (which
subprocesses such as `zayavka mail listen` inherit). Dropped afterwards."""

from __future__ import annotations

import os
import tempfile

BASE = os.environ.get("ZAYAVKA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def prepare_environment() -> None:
    """A fresh data directory and the settings module; the secret key unless one is set."""
    os.environ["ZAYAVKA_DATA_DIR"] = tempfile.mkdtemp(prefix="zayavka-bench-")
    os.environ.setdefault("ZAYAVKA_SECRET_KEY", "bench")
    os.environ["DJANGO_SETTINGS_MODULE"] = "zayavka.settings"


def create_database(existing: str | None = None) -> str:
    """A new, empty database (or `existing`, kept by an earlier run), made the one
    Django uses; its name."""
    name = existing or f"zayavka_bench_{os.getpid()}"
    if not existing:
        import psycopg

        with psycopg.connect(f"{BASE}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    prepare_environment()
    os.environ["ZAYAVKA_DATABASE_URL"] = f"{BASE}/{name}"
    return name


def drop_database(name: str) -> None:
    """Drop it, closing this process's connections and any a subprocess left open."""
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
