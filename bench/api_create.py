"""Benchmark: tickets created over the REST API (POST /api/v1/tickets), on PostgreSQL.

    .venv/bin/python bench/api_create.py --clients 4 --count 1000
    .venv/bin/python bench/api_create.py --clients 16 --count 1000 --web-workers 2

The desk runs as `zayavka serve` runs it (granian, ASGI) against a scratch database
(bench/database.py) with the demo loaded; an agent's token without a rate limit files
tickets for requesters on a client's domain and on public ones, each request with its
own Idempotency-Key, from `--clients` threads with keep-alive connections. After a
warm-up, `--count` tickets are timed. Output (one JSON line): tickets per second, the
latency's p50/p95/p99, the CPU per ticket of the web server's processes and of the
PostgreSQL backends serving it, and the SQL statements of one create (counted in this
process). Every response must be 201 and every ticket must exist afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import create_database, drop_database  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pids: list[int], *, reaped: bool = False) -> float:
    """CPU of the processes; with `reaped`, also of their children that have ended (a
    PostgreSQL backend closed during the run is counted in the postmaster's)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / TICKS


def postmaster() -> int:
    """The PostgreSQL server's main process (its CPU and its backends' is the database's
    share; on a shared machine it includes other databases' work)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        parent = Path(f"/proc/{rest.split()[1]}/stat")
        if name == "postgres" and (not parent.exists() or "(postgres)" not in parent.read_text()):
            return int(entry.name)
    raise SystemExit("no PostgreSQL server process found")


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def body(i: int) -> bytes:
    email = f"user{i % 97}@romashka.ru" if i % 3 else f"client{i % 211}@mail.example"
    return json.dumps(
        {
            "subject": f"Не открывается сайт ({i})",
            "description": "Добрый день! С утра ошибка 502 на главной странице магазина. "
            "Прошу посмотреть срочно.",
            "requester": {"email": email, "name": "Иван Петров"},
            "urgency": "high" if i % 10 == 0 else "normal",
        },
        ensure_ascii=False,
    ).encode()


def client(
    port: int, token: str, numbers: list[int], latencies: list[float], failures: list[str]
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in numbers:
        started = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/tickets",
            body=body(i),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{i}",
            },
        )
        answer = conn.getresponse()
        answer.read()
        latencies.append(time.perf_counter() - started)
        if answer.status != 201:
            failures.append(str(answer.status))
    conn.close()


def run_clients(
    port: int, token: str, first: int, count: int, clients: int
) -> tuple[float, list[float], list[str]]:
    latencies: list[float] = []
    failures: list[str] = []
    numbers = list(range(first, first + count))
    threads = [
        threading.Thread(
            target=client, args=(port, token, numbers[k::clients], latencies, failures)
        )
        for k in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument(
        "--interface",
        choices=["asginl", "wsgi"],
        default="asginl",
        help="granian's interface: asginl as `zayavka serve` runs it, or wsgi",
    )
    args = parser.parse_args()
    name = create_database()
    try:
        run(args, name)
    finally:
        drop_database(name)


def run(args: argparse.Namespace, dbname: str) -> None:
    import django

    os.environ.setdefault("ZAYAVKA_LOG_LEVEL", "WARNING")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from zayavka.accounts.models import Agent, User
    from zayavka.api.models import Scope
    from zayavka.api.tokens import issue_token
    from zayavka.core.demo import load_demo
    from zayavka.tickets.models import Ticket

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    user = User.objects.create_user("bench", "bench@desk.example", "bench-password")
    Agent.objects.create(user=user)
    _, token = issue_token(name="bench", user=user, scopes=list(Scope.values), rate_limit=0)

    # The statements of one create, in this process, after one to warm the caches.
    local = Client(HTTP_HOST="127.0.0.1")
    headers = {"Authorization": f"Bearer {token}"}
    for i in (-2, -1):
        with CaptureQueriesContext(connection) as queries:
            local.post("/api/v1/tickets", body(i), content_type="application/json", headers=headers)
    statements = len(queries.captured_queries)
    connection.close()

    port = free_port()
    web = subprocess.Popen(
        [
            *(sys.executable, "-m", "granian", "--interface", args.interface),
            *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
            *("--workers", str(args.web_workers)),
            "zayavka.wsgi:application" if args.interface == "wsgi" else "zayavka.asgi:application",
        ],
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise SystemExit("the web server did not start") from None
                time.sleep(0.2)
        run_clients(port, token, 0, args.warmup, args.clients)
        server = postmaster()
        web_pids = process_tree(web.pid)
        db_pids = process_tree(server)
        web_cpu, db_cpu = cpu_seconds(web_pids), cpu_seconds(db_pids, reaped=True)
        elapsed, latencies, failures = run_clients(
            port, token, args.warmup, args.count, args.clients
        )
        web_cpu = cpu_seconds(web_pids) - web_cpu
        # Backends started during the run count too; those that ended, in the postmaster.
        db_pids = sorted(set(db_pids) | set(process_tree(server)))
        db_cpu = cpu_seconds(db_pids, reaped=True) - db_cpu
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [dbname])
            backends = cursor.fetchone()[0]
    finally:
        web.terminate()
        web.wait(timeout=15)
    created = Ticket.objects.filter(channel="api").count()
    expected = 2 + args.warmup + args.count
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        json.dumps(
            {
                "bench": "api_create",
                "clients": args.clients,
                "web_workers": args.web_workers,
                "interface": args.interface,
                "tickets": args.count,
                "tickets_per_s": round(args.count / elapsed, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(quantiles[94] * 1000, 1),
                "p99_ms": round(quantiles[98] * 1000, 1),
                "web_cpu_ms_per_ticket": round(web_cpu / args.count * 1000, 2),
                "postgres_cpu_ms_per_ticket": round(db_cpu / args.count * 1000, 2),
                "postgres_backends_after": backends,
                "sql_statements_per_create": statements,
                "failures": dict(Counter(failures)),
                "tickets_created_ok": created == expected,
                "load_average": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
