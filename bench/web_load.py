"""Concurrent clients against the real web server on PostgreSQL: does the desk keep its
database connections bounded, and what does a request cost?

The desk is started as `zayavka serve` starts it (granian's ASGI server and the worker)
on a scratch database. Each client loops: the public request form (GET), a filled-in
request (POST, then the thanks page it redirects to), the sign-in page and /healthz.
Meanwhile pg_stat_activity is sampled for the connections to the scratch database.

    python3 -m uv run python bench/web_load.py --clients 50 --seconds 30
    python3 -m uv run python bench/web_load.py --clients 50 --pool-max-size 0   # no pool
    python3 -m uv run python bench/web_load.py --checkout /tmp/main           # another tree

Prints one JSON line: requests, errors by status, throughput, p50/p95 latency, the
largest number of connections seen (and idle ones left after the run), and CPU per
request of the web server's processes and of PostgreSQL (every postgres process on the
machine plus the backends it reaped: other work on the same server counts too).
`tests/core/test_db_pool.py` runs the same load as a check (0 errors, bounded
connections), without timing it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
BASE = os.environ.get("ZAYAVKA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ROLE = "zayavka_load"


@contextmanager
def scratch_database(base: str = BASE, connection_limit: int = 40) -> Iterator[str]:
    """A new empty database on the server at `base`, owned by a role that may hold at
    most `connection_limit` connections (so that a desk that leaks them runs out of its
    own, not of the connections other users of the server need); its URL. Dropped after."""
    name = f"zayavka_load_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone():
            conn.execute(f'CREATE ROLE "{ROLE}" LOGIN')
        conn.execute(f'ALTER ROLE "{ROLE}" CONNECTION LIMIT {int(connection_limit)}')
        conn.execute(f'CREATE DATABASE "{name}" OWNER "{ROLE}"')
    parts = urllib.parse.urlsplit(base)
    netloc = f"{ROLE}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    try:
        yield urllib.parse.urlunsplit((parts.scheme, netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_desk(
    database_url: str, data_dir: Path, *, env: dict[str, str], checkout: Path = REPO
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`zayavka serve` on `database_url`, as a user starts it; its base URL once healthy."""
    port = free_port()
    full_env = {
        **os.environ,
        "ZAYAVKA_DATA_DIR": str(data_dir),
        "ZAYAVKA_PORT": str(port),
        "ZAYAVKA_SECRET_KEY": "load",
        "ZAYAVKA_DATABASE_URL": database_url,
        "ZAYAVKA_DEMO": "false",
        "ZAYAVKA_LOG_LEVEL": "WARNING",
        # Every client files requests from one address: the form's flood limits would
        # answer 429, which is not what is measured here.
        "ZAYAVKA_WEBFORM_RATE_PER_IP": "0",
        "ZAYAVKA_WEBFORM_RATE_PER_EMAIL": "0",
        "PYTHONPATH": str(checkout),
        **env,
    }
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zayavka.cli", "serve", "--no-demo"],
        cwd=checkout,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("the desk did not become healthy")
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited: {(data_dir / 'serve.log').read_text()}")
        yield url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


# --- What the clients do ---------------------------------------------------------------


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, status: int | str, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[f"{what} {status}"] += 1
            if not (isinstance(status, int) and status < 400):
                self.errors.append(f"{what}: {status}")

    @property
    def requests(self) -> int:
        return len(self.latencies)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _call(
    results: Results, opener: urllib.request.OpenerDirector, what: str, req: urllib.request.Request
) -> tuple[int, str, dict[str, str]]:
    started = time.perf_counter()
    try:
        with opener.open(req, timeout=60) as response:
            body = response.read().decode()
            status, headers = response.status, dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        body, status = exc.read().decode(errors="replace"), exc.code
        headers = dict(exc.headers.items())
    except OSError as exc:
        results.record(what, type(exc).__name__, time.perf_counter() - started)
        return 0, "", {}
    results.record(what, status, time.perf_counter() - started)
    return status, body, {name.lower(): value for name, value in headers.items()}


def client_loop(url: str, number: int, stop: threading.Event, results: Results) -> None:
    opener = urllib.request.build_opener(NoRedirect)
    headers = {"Accept-Language": "ru"}
    round_ = 0
    while not stop.is_set():
        round_ += 1
        status, body, _ = _call(
            results,
            opener,
            "GET form",
            urllib.request.Request(url + "/portal/new/", headers=headers),
        )
        token = re.search(r'name="token" value="([^"]+)"', body)
        if status == 200 and token:
            form = {
                "token": token.group(1),
                "company": "ООО «Тюльпан»",
                "name": f"Клиент {number}",
                "email": f"client{number}@tulpan.example",
                "phone": "+7 921 000-00-00",
                "category": "",
                "urgency": "normal",
                "subject": f"Не открывается сайт ({number}/{round_})",
                "description": "С утра ошибка 502.",
                "website": "",
            }
            post = urllib.request.Request(
                url + "/portal/new/",
                data=urllib.parse.urlencode(form).encode(),
                headers=headers,
                method="POST",
            )
            status, _, answer = _call(results, opener, "POST form", post)
            location = answer.get("location", "")
            if status == 302 and location:
                thanks = urllib.request.Request(
                    urllib.parse.urljoin(url, location), headers=headers
                )
                _call(results, opener, "GET thanks", thanks)
        if stop.is_set():
            break
        _call(
            results, opener, "GET login", urllib.request.Request(url + "/login/", headers=headers)
        )
        _call(results, opener, "GET healthz", urllib.request.Request(url + "/healthz"))


# --- What the server side spends ---------------------------------------------------------


def _cpu_ticks(pid: int, children: bool = False) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    own = int(fields[11]) + int(fields[12])  # utime, stime
    return own + (int(fields[13]) + int(fields[14]) if children else 0)  # + cutime, cstime


def _tree(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            kids = []
        todo.extend(int(kid) for kid in kids)
    return found


def desk_cpu(root: int) -> int:
    """Ticks spent by `zayavka serve` and its web server and worker."""
    return sum(_cpu_ticks(pid) for pid in _tree(root))


def postgres_cpu() -> int:
    """Ticks spent by every PostgreSQL process, the reaped backends included (they are
    counted in the postmaster's children's times)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if command == "postgres":
            total += _cpu_ticks(int(entry.name), children=True)
    return total


class ConnectionSampler(threading.Thread):
    """Counts the connections to one database every `interval` seconds."""

    def __init__(self, database_url: str, interval: float = 0.05, base: str = BASE):
        super().__init__(daemon=True)
        self.database = urllib.parse.urlsplit(database_url).path.lstrip("/")
        self.admin_url = f"{base}/postgres"
        self.interval = interval
        self.most = 0
        self.stop = threading.Event()

    def count(self) -> tuple[int, int]:
        """(all, idle) connections to the database now."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE state = 'idle')"
                " FROM pg_stat_activity WHERE datname = %s",
                (self.database,),
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def run(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self.stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.database,)
                ).fetchone()
                self.most = max(self.most, int(row[0]) if row else 0)
                time.sleep(self.interval)


@dataclass
class LoadRun:
    results: Results
    seconds: float
    most_connections: int
    connections_after: int
    idle_after: int
    desk_ticks: int
    postgres_ticks: int


def load(url: str, database_url: str, serve_pid: int, *, clients: int, seconds: float) -> LoadRun:
    """`clients` threads looping for `seconds` against the desk at `url`."""
    results = Results()
    stop = threading.Event()
    sampler = ConnectionSampler(database_url)
    sampler.start()
    threads = [
        threading.Thread(target=client_loop, args=(url, n, stop, results), daemon=True)
        for n in range(clients)
    ]
    desk_before, pg_before = desk_cpu(serve_pid), postgres_cpu()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    desk_ticks, pg_ticks = desk_cpu(serve_pid) - desk_before, postgres_cpu() - pg_before
    sampler.stop.set()
    sampler.join()
    time.sleep(1)  # a pool returns its connections a moment after the last response
    after, idle = sampler.count()
    return LoadRun(results, elapsed, sampler.most, after, idle, desk_ticks, pg_ticks)


def fresh_connection_cost(database_url: str, count: int = 200) -> float:
    """PostgreSQL CPU (ms) for one connection opened, asked one query and closed."""
    before = postgres_cpu()
    for _ in range(count):
        with psycopg.connect(database_url) as conn:
            conn.execute("SELECT 1")
    return (postgres_cpu() - before) * 1000 / TICK / count


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summary(run: LoadRun, **extra: object) -> dict[str, object]:
    res = run.results
    per_request = 1000 / TICK / max(res.requests, 1)
    return {
        **extra,
        "requests": res.requests,
        "errors": len(res.errors),
        "statuses": dict(sorted(res.statuses.items())),
        "requests_per_s": round(res.requests / run.seconds, 1),
        "p50_ms": round(percentile(res.latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(res.latencies, 0.95) * 1000, 1),
        "most_connections": run.most_connections,
        "connections_after": run.connections_after,
        "idle_after": run.idle_after,
        "desk_cpu_ms_per_request": round(run.desk_ticks * per_request, 2),
        "postgres_cpu_ms_per_request": round(run.postgres_ticks * per_request, 2),
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--pool-max-size", default=None, help="ZAYAVKA_DB_POOL_MAX_SIZE")
    parser.add_argument("--web-workers", default="1", help="ZAYAVKA_WEB_WORKERS")
    parser.add_argument(
        "--connection-limit", type=int, default=40, help="connections the desk's role may hold"
    )
    parser.add_argument("--checkout", type=Path, default=REPO, help="the source tree to serve")
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for the desk, repeatable"
    )
    args = parser.parse_args()
    env = {"ZAYAVKA_WEB_WORKERS": args.web_workers}
    if args.pool_max_size is not None:
        env["ZAYAVKA_DB_POOL_MAX_SIZE"] = args.pool_max_size
    env |= dict(item.split("=", 1) for item in args.env)
    with (
        tempfile.TemporaryDirectory(prefix="zayavka-load-") as tmp,
        scratch_database(connection_limit=args.connection_limit) as database_url,
        running_desk(database_url, Path(tmp), env=env, checkout=args.checkout) as (url, proc),
    ):
        connection_ms = fresh_connection_cost(database_url)
        run = load(url, database_url, proc.pid, clients=args.clients, seconds=args.seconds)
        print(
            json.dumps(
                summary(
                    run,
                    clients=args.clients,
                    checkout=str(args.checkout),
                    env=env,
                    fresh_connection_postgres_cpu_ms=round(connection_ms, 2),
                    first_errors=run.results.errors[:5],
                ),
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
