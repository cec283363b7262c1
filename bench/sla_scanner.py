"""Benchmark: the SLA breach scanner over a million open tickets on PostgreSQL.

    .venv/bin/python bench/sla_scanner.py --tickets 1000000 --due-share 0.005 --also 500

A new PostgreSQL database ``zayavka_bench_<pid>`` is created at
``$ZAYAVKA_BENCH_POSTGRES`` (default ``postgres://postgres@127.0.0.1:5432``), migrated,
loaded with the demo desk, and filled on the server with one INSERT … SELECT over
generate_series (not the ORM): tickets of two contracts (working-day and 24/7 calendars),
assigned or waiting in three teams, created over the last ten days, one in ten paused,
their next check spread over the next two weeks. A ``--due-share`` of them (on the 24/7
contract, so that the time of day does not matter) had one step fall due within the last
minute, as a scanner that runs every minute finds them: a third the warning, a third the
breach (the warning logged before), a third the head's step (warning and breach logged).
The database is dropped afterwards.

Measured: one scanner pass (``escalation.scan``: find the due tickets, lock, log, write
events and outbox rows, move the next check), p50 of ``--passes`` passes, the due set
re-armed between passes, with all the due tickets due and with only ``--also`` of them;
the "find due tickets" query alone with its EXPLAIN; an idle pass (nothing due). Prints
one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import create_database, drop_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--due-share", type=float, default=0.005)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--also",
        type=int,
        nargs="*",
        default=[500],
        help="also measure passes with only this many of the due tickets due",
    )
    args = parser.parse_args()
    name = create_database()
    try:
        run(args.tickets, args.due_share, args.passes, args.batch, args.also)
    finally:
        drop_database(name)


def fill(count: int, due_every: int, now: datetime) -> None:
    """Insert `count` tickets on the server; every `due_every`-th one has a step due at
    `now` (see the module docstring)."""
    from django.db import connection

    from zayavka.accounts.models import Contact, Contract, Team, User
    from zayavka.sla.models import SlaEscalation
    from zayavka.tickets.models import Priority, Status, StatusCategory, Ticket

    romashka = Contract.objects.get(number="Д-2024/117")
    veter = Contract.objects.get(number="КС-24/7-005")
    smirnov = Contact.objects.get(name="Олег Смирнов")
    volkov = Contact.objects.get(name="Андрей Волков")
    teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    ivanova = User.objects.get(username="ivanova").pk
    sidorov = User.objects.get(username="sidorov").pk
    open_status = Status.objects.filter(category=StatusCategory.OPEN).order_by("pk")[0].pk
    pending = Status.objects.filter(category=StatusCategory.PENDING).order_by("pk")[0].pk
    params: dict[str, Any] = {
        "count": count,
        "due_every": due_every,
        "romashka": romashka.pk,
        "romashka_org": romashka.organization_id,
        "veter": veter.pk,
        "veter_org": veter.organization_id,
        "smirnov": smirnov.pk,
        "volkov": volkov.pk,
        "team0": teams[0],
        "team1": teams[1],
        "team2": teams[2],
        "ivanova": ivanova,
        "sidorov": sidorov,
        "normal": Priority.objects.get(slug="normal").pk,
        "open_status": open_status,
        "pending_status": pending,
        "now": now,
    }
    # s: one row per ticket with its random draws and `step`, the step due (0 warning,
    # 1 breach, 2 head) when `due`; paused: waiting for the requester (no check). A due
    # ticket's resolution target is 8 hours on the 24/7 contract: the warning falls 6:24
    # after creation, the breach at 8:00, the head's step at 9:00.
    explicit = {
        "number": "10000000 + g",
        "key": "'bench-' || g",
        "subject": "'Не открывается сайт ' || g",
        "requester_id": "CASE WHEN veter THEN %(volkov)s ELSE %(smirnov)s END",
        "organization_id": "CASE WHEN veter THEN %(veter_org)s ELSE %(romashka_org)s END",
        "contract_id": "CASE WHEN veter THEN %(veter)s ELSE %(romashka)s END",
        "priority_id": "%(normal)s",
        "status_id": "CASE WHEN paused THEN %(pending_status)s ELSE %(open_status)s END",
        "state": "CASE WHEN paused THEN 'pending' ELSE 'open' END",
        "team_id": "CASE g %% 3 WHEN 0 THEN %(team0)s WHEN 1 THEN %(team1)s ELSE %(team2)s END",
        "assignee_id": (
            "CASE g %% 5 WHEN 0 THEN NULL WHEN 1 THEN %(sidorov)s ELSE %(ivanova)s END"
        ),
        "channel": "'email'",
        "created_at": "created",
        "updated_at": "created",
        "last_inbound_at": "created",
        "first_response_due": "created + interval '1 hour'",
        "first_responded_at": "created + interval '30 minutes'",
        "resolution_due": (
            "CASE WHEN due THEN created + interval '8 hours'"
            " ELSE %(now)s + interval '1 hour' + r1 * interval '14 days' END"
        ),
        "sla_paused_at": "CASE WHEN paused THEN %(now)s - interval '1 hour' END",
        "sla_next_check_at": (
            "CASE WHEN paused THEN NULL WHEN due THEN %(now)s - r2 * interval '60 seconds'"
            " ELSE %(now)s + interval '1 minute' + r2 * interval '14 days' END"
        ),
    }
    columns, values = [], []
    for field in Ticket._meta.concrete_fields:
        if field.primary_key or field.column is None:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in explicit:
            values.append(explicit[field.column])
        elif field.null:
            values.append("NULL")
        else:  # whatever other columns the model has get their Python default
            key = f"default_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({key})s")
    sql = f"""
        INSERT INTO {Ticket._meta.db_table} ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM (
            SELECT g, due, paused, r1, r2,
                   due OR g %% 10 >= 7 AS veter,
                   CASE WHEN NOT due THEN %(now)s - r1 * interval '10 days'
                        ELSE %(now)s - r2 * interval '60 seconds' - CASE step
                            WHEN 0 THEN interval '6 hours 24 minutes'
                            WHEN 1 THEN interval '8 hours'
                            ELSE interval '9 hours' END
                   END AS created
            FROM (
                SELECT g,
                       g %% %(due_every)s = 0 AS due,
                       g %% %(due_every)s <> 0 AND g %% 10 = 1 AS paused,
                       (g / %(due_every)s) %% 3 AS step,
                       random() AS r1,
                       random() AS r2
                FROM generate_series(1, %(count)s) AS g
            ) AS draws
        ) AS s
    """
    # The steps a scanner running every minute took before: the warning of tickets whose
    # breach is due, the warning and the breach of those whose head's step is due.
    logged = f"""
        INSERT INTO {SlaEscalation._meta.db_table} (ticket_id, target, step, deadline, created_at)
        SELECT t.id, 'resolution', taken.step, t.resolution_due, %(now)s - interval '1 day'
        FROM {Ticket._meta.db_table} AS t
        CROSS JOIN (VALUES ('warning', interval '0'), ('breach', interval '1 hour'))
            AS taken(step, after)
        WHERE t.sla_next_check_at <= %(now)s
          AND t.sla_next_check_at - t.resolution_due >= taken.after
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(sql, params)
        cursor.execute(logged, params)
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")


def run(count: int, due_share: float, passes: int, batch: int, sizes: list[int]) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from zayavka.core.demo import load_demo
    from zayavka.sla.models import SlaEscalation
    from zayavka.tickets.actions import escalation
    from zayavka.tickets.models import EventKind, Outbox, Ticket, TicketEvent

    call_command("migrate", verbosity=0)
    load_demo()
    Ticket.objects.update(sla_next_check_at=None)  # the demo's few tickets are not measured
    due_every = max(1, round(1 / due_share))
    now = timezone.now()
    started = time.perf_counter()
    fill(count, due_every, now)
    fill_seconds = time.perf_counter() - started
    due = list(
        Ticket.objects.filter(sla_next_check_at__lte=now).values_list("pk", "sla_next_check_at")
    )
    sla_kinds = [EventKind.SLA_WARNING, EventKind.SLA_BREACH, EventKind.ESCALATED]

    def rearm(size: int) -> None:
        """Undo a pass: its log rows, events and mails go; the first `size` due tickets
        are due again, the others not before tomorrow."""
        SlaEscalation.objects.filter(created_at=now).delete()
        TicketEvent.objects.filter(kind__in=sla_kinds).delete()
        Outbox.objects.filter(template__startswith="sla_").delete()
        later = now + timedelta(days=1)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Ticket._meta.db_table} SET sla_next_check_at = v.at"
                " FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(pk, at) WHERE id = v.pk",
                [
                    [pk for pk, _ in due],
                    [at if i < size else later for i, (_, at) in enumerate(due)],
                ],
            )
            cursor.execute(f"VACUUM ANALYZE {Ticket._meta.db_table}")

    rearm(len(due))
    # The "find due tickets" query alone, as the scanner sends it (first batch).
    query = escalation.due_tickets(now)[:batch]
    find_ms: list[float] = []
    plan: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    for _ in range(20):
        with transaction.atomic(), connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            find_ms.append((time.perf_counter() - t0) * 1000)
    count_t0 = time.perf_counter()
    due_count = Ticket.objects.filter(sla_next_check_at__lte=now).count()
    count_ms = (time.perf_counter() - count_t0) * 1000

    measured = []
    for size in sorted({len(due), *(min(n, len(due)) for n in sizes)}, reverse=True):
        seconds: list[float] = []
        report = escalation.ScanReport()
        for _ in range(passes):
            rearm(size)
            t0 = time.perf_counter()
            report = escalation.scan(now=now, batch=batch)
            seconds.append(time.perf_counter() - t0)
            assert report.tickets == size == report.steps, report
        rearm(size)
        with CaptureQueriesContext(connection) as queries:
            escalation.scan(now=now, batch=batch)
        p50 = statistics.median(seconds)
        measured.append(
            {
                "due_tickets": size,
                "pass_seconds_p50": round(p50, 3),
                "pass_seconds_min": round(min(seconds), 3),
                "pass_seconds_max": round(max(seconds), 3),
                "ms_per_due_ticket": round(p50 * 1000 / max(size, 1), 3),
                "warnings": report.warnings,
                "breaches": report.breaches,
                "head_escalations": report.escalations,
                "emails": report.emails,
                "queries": len(queries.captured_queries),
            }
        )
    idle: list[float] = []
    for _ in range(5):
        t0 = time.perf_counter()
        nothing = escalation.scan(now=now - timedelta(hours=1), batch=batch)
        idle.append((time.perf_counter() - t0) * 1000)
        assert nothing.tickets == 0
    result = {
        "database": "postgresql",
        "server_version": connection.pg_version,  # type: ignore[attr-defined]
        "tickets": Ticket.objects.count(),
        "fill_seconds": round(fill_seconds, 1),
        "batch": batch,
        "passes": measured,
        "idle_pass_ms_p50": round(statistics.median(idle), 2),
        "find_due_batch_ms_p50": round(statistics.median(find_ms), 2),
        "find_due_with": due_count,
        "count_due_ms": round(count_ms, 2),
        "index_used": any("ticket_sla_next_check" in line for line in plan),
        "explain": plan,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
