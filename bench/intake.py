"""Benchmark: N inbound messages through the intake action, on SQLite or PostgreSQL.

    python3 -m uv run python bench/intake.py --database sqlite --count 10000
    python3 -m uv run python bench/intake.py --database postgres --count 10000

Each run starts from an empty database (a temporary data directory; a new
PostgreSQL database that is dropped afterwards), loads the demo, then feeds a
realistic mix: new requests from registered contacts, from unknown senders on a
client's domain and on public domains, replies threaded by our Message-ID and by
the ticket number, Russian text, one in ten with an attachment, and one in fifty
delivered twice. Prints messages per second and SQL queries per message.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import create_database, drop_database, prepare_environment  # noqa: E402

TEXT = (
    "Добрый день! С утра не открывается сайт, в браузере ошибка 502 Bad Gateway. "
    "Договор {contract}. Прошу срочно посмотреть, магазин не принимает заказы.\n\n"
    "С уважением,\n{name}\n+7 (812) 555-01-{n:02d}\n"
)


def setup_database(kind: str) -> str:
    """A scratch PostgreSQL database for "postgres"; for "sqlite", the data directory's."""
    if kind == "postgres":
        return create_database()
    prepare_environment()
    return ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    dbname = setup_database(args.database)
    try:
        run(args.database, args.count)
    finally:
        if dbname:
            drop_database(dbname)


def run(database: str, count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zayavka.core.demo import load_demo
    from zayavka.tickets.actions import intake
    from zayavka.tickets.inbound import InboundAttachment, InboundMessage, ReplyHints, Sender
    from zayavka.tickets.models import Ticket
    from zayavka.tickets.threading import make_message_id

    call_command("migrate", verbosity=0)
    load_demo()
    rng = random.Random(42)
    known = ["o.smirnov@romashka.ru", "m.kuznetsova@romashka.ru", "volkov@sever-veter.ru"]
    contracts = ["Д-2024/117", "КС-24/7-005", "нет"]
    opened: list[tuple[int, str]] = []  # (ticket number, requester email)

    def make(i: int) -> InboundMessage:
        roll = rng.random()
        attachments: tuple[InboundAttachment, ...] = ()
        if rng.random() < 0.1:
            attachments = (
                InboundAttachment(
                    filename=f"скриншот-{i}.png",
                    content_type="image/png",
                    content=rng.randbytes(20_000),
                ),
            )
        reply = ReplyHints()
        if opened and roll < 0.3:
            number, email = rng.choice(opened)
            if roll < 0.2:
                reply = ReplyHints(message_ids=(make_message_id(number),))
            else:
                reply = ReplyHints(ticket_number=number)
            subject = f"Re: [#{number}] Не открывается сайт"
        else:
            email = (
                rng.choice(known)
                if roll < 0.6
                else f"user{i}@romashka.ru"
                if roll < 0.8
                else f"user{i}@mail.ru"
            )
            subject = f"Не открывается сайт ({i})"
        text = TEXT.format(contract=rng.choice(contracts), name="Олег", n=i % 100)
        return InboundMessage(
            channel="email",
            external_id=f"<bench-{i}@client.example>",
            raw=(f"Subject: {subject}\n\n{text}").encode(),
            sender=Sender(email=email, name="Олег Смирнов"),
            subject=subject,
            text=text,
            reply=reply,
            attachments=attachments,
            message_id=f"bench-{i}@client.example",
        )

    latencies: list[float] = []
    results: dict[str, int] = {}
    queries: list[int] = []
    started = time.perf_counter()
    for i in range(count):
        message = make(i)
        t0 = time.perf_counter()
        if i % 100 == 0:
            with CaptureQueriesContext(connection) as ctx:
                result = intake.receive(message)
            queries.append(len(ctx.captured_queries))
        else:
            result = intake.receive(message)
        latencies.append(time.perf_counter() - t0)
        results[result.result] = results.get(result.result, 0) + 1
        if result.result == "created" and result.ticket_number is not None:
            opened.append((result.ticket_number, message.sender.email))
        if i % 50 == 0:  # the same message delivered twice must change nothing
            again = intake.receive(message)
            results["redelivered_" + again.result] = (
                results.get("redelivered_" + again.result, 0) + 1
            )
    elapsed = time.perf_counter() - started
    latencies.sort()
    report = {
        "database": database,
        "messages": count,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(count / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 2),
        "queries_per_message_median": statistics.median(queries),
        "queries_per_message_max": max(queries),
        "results": results,
        "tickets": Ticket.objects.count(),
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
