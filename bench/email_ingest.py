"""Benchmark: realistic mail into the desk through its network ways in, on PostgreSQL.

    python3 -m uv run python bench/email_ingest.py --via lmtp --count 1000
    python3 -m uv run python bench/email_ingest.py --via imap --count 1000

A fresh PostgreSQL database is created (and dropped afterwards), migrated and loaded
with the demo. The mix (bench/mailmix.py) is three quarters new requests in utf-8,
koi8-r, windows-1251 (multipart with HTML) and with PDF/PNG attachments, then replies
quoting them and auto-replies. It goes in two waves: the new requests, then the
replies (a reply can only thread to a ticket that exists).

``--via inline`` (for profiling, not a figure of the ways in): every message through
``deliver.deliver`` (what both ways call) in this one process, one after another; it
adds the CPU milliseconds and SQL statements per message, by result, and with
``--profile FILE`` writes a pyinstrument profile of the intake (text, or HTML when the
name ends in .html; a cProfile dump when it ends in .prof).

``--via lmtp``: ``zayavka mail listen`` runs as ``--listeners`` processes with
``--workers`` intake threads each; ``--clients`` connections send concurrently, each
message acknowledged (250) only after commit. ``--via imap``: the messages are
appended to a private Dovecot mailbox first, then ``zayavka mail poll`` drains it.

Afterwards every message is checked against what the desk must make of it: a new
ticket with the right subject, the text decoded (the phrase is found in it), every
attachment stored with the right SHA-256; a reply appended to the ticket of the
message it answers; an auto-reply ignored. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import resource
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import create_database, drop_database  # noqa: E402
from bench.mailmix import Mail, build  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup_database() -> tuple[str, dict[str, str]]:
    """The scratch database, and the environment the desk's subprocesses need for it."""
    name = create_database()
    keys = (
        "ZAYAVKA_DATA_DIR",
        "ZAYAVKA_SECRET_KEY",
        "ZAYAVKA_DATABASE_URL",
        "DJANGO_SETTINGS_MODULE",
    )
    return name, {key: os.environ[key] for key in keys}


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"listener exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"listener did not open port {port}")


def send_lmtp(port: int, mails: list[Mail]) -> list[str]:
    """Send ``mails`` over one LMTP connection; the reply line for each."""
    replies = []
    client = smtplib.LMTP("127.0.0.1", port)
    try:
        for mail in mails:
            try:
                client.sendmail("sender@client.example", ["support@zayavka.example"], mail.raw)
                replies.append("250")
            except smtplib.SMTPException as exc:
                replies.append(f"error: {exc}")
    finally:
        client.quit()
    return replies


def run_lmtp(args: argparse.Namespace, env: dict[str, str], waves: list[list[Mail]]) -> float:
    zayavka = str(ROOT / ".venv" / "bin" / "zayavka")
    ports = [free_port() for _ in range(args.listeners)]
    procs = [
        subprocess.Popen(
            [
                zayavka,
                "mail",
                "listen",
                "--lmtp",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, proc in zip(ports, procs, strict=True):
            wait_for_port(port, proc)
        started = time.perf_counter()
        failures: list[str] = []
        for wave in waves:
            slices = [wave[k :: args.clients] for k in range(args.clients)]
            with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
                futures = [
                    pool.submit(send_lmtp, ports[k % len(ports)], part)
                    for k, part in enumerate(slices)
                ]
                for future in futures:
                    failures += [r for r in future.result() if r != "250"]
        elapsed = time.perf_counter() - started
        if failures:
            print(f"{len(failures)} deliveries failed, e.g. {failures[0]}", file=sys.stderr)
        return elapsed
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)


def run_imap(args: argparse.Namespace, env: dict[str, str], waves: list[list[Mail]]) -> float:
    from tests.channels.email.dovecot import Dovecot  # the test suite's private server

    zayavka = str(ROOT / ".venv" / "bin" / "zayavka")
    workdir = Path(tempfile.mkdtemp(prefix="zayavka-bench-imap-"))
    with Dovecot.start(workdir) as server:
        from zayavka.channels.email.models import Mailbox

        Mailbox.objects.create(**server.mailbox_fields(name="bench"))
        elapsed = 0.0
        for wave in waves:
            server.append_many([mail.raw for mail in wave])
            started = time.perf_counter()
            subprocess.run(
                [zayavka, "mail", "poll"],
                env={**os.environ, **env},
                check=True,
                stdout=subprocess.DEVNULL,
            )
            elapsed += time.perf_counter() - started
        return elapsed


def run_inline(
    args: argparse.Namespace, waves: list[list[Mail]]
) -> tuple[float, dict[str, object]]:
    """Deliver every message in this process; wall seconds and the per-message costs."""
    from collections import Counter

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from zayavka.channels.email.deliver import deliver

    profiler: Any = None
    if args.profile.endswith(".prof"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.start = profiler.enable
        profiler.stop = profiler.disable
    elif args.profile:
        import importlib  # pyinstrument is not a dependency: `uv run --with pyinstrument`

        profiler = importlib.import_module("pyinstrument").Profiler(interval=0.0005)
    queries: Counter[str] = Counter()
    results: Counter[str] = Counter()
    cpu = 0.0
    started = time.perf_counter()
    for wave in waves:
        for mail in wave:
            reset_queries()  # the log keeps 9,000 statements: the count would stop
            with CaptureQueriesContext(connection) as captured:
                cpu_start = time.process_time()
                if profiler is not None:
                    profiler.start()
                result = deliver(
                    mail.raw, mail_from="sender@client.example", rcpt_tos=["support@x.example"]
                )
                if profiler is not None:
                    profiler.stop()
                cpu += time.process_time() - cpu_start
            results[result.result] += 1
            queries[result.result] += len(captured.captured_queries)
    elapsed = time.perf_counter() - started
    total = sum(results.values())
    if args.profile.endswith(".prof"):
        profiler.dump_stats(args.profile)
    elif profiler is not None:
        html = args.profile.endswith(".html")
        Path(args.profile).write_text(
            profiler.output_html() if html else profiler.output_text(unicode=True, show_all=False)
        )
    return elapsed, {
        "cpu_ms_per_message": round(1000 * cpu / total, 2),
        "queries_per_message": round(sum(queries.values()) / total, 2),
        **{f"queries_per_{k}": round(queries[k] / n, 2) for k, n in sorted(results.items())},
    }


def check(waves: list[list[Mail]]) -> dict[str, int]:
    """Count the messages the desk handled exactly as expected, and the ones it did not."""
    from zayavka.tickets.models import Attachment, Message, RawInput

    by_id = {}
    for msg in Message.objects.filter(direction=Message.Direction.INBOUND).select_related("ticket"):
        by_id[msg.message_id.strip("<>")] = msg
    raw_ignored = set(
        RawInput.objects.filter(state=RawInput.State.IGNORED).values_list("external_id", flat=True)
    )
    attachments: dict[int, list[str]] = {}
    for message_pk, sha in Attachment.objects.values_list("message_id", "sha256"):
        attachments.setdefault(message_pk, []).append(sha)
    good = 0
    wrong: dict[str, int] = {}

    def miss(what: str) -> None:
        wrong[what] = wrong.get(what, 0) + 1

    for mail in (m for wave in waves for m in wave):
        exp = mail.expected
        key = exp.message_id.strip("<>")
        if exp.result == "ignored":
            if key in raw_ignored or f"<{key}>" in raw_ignored:
                good += 1
            else:
                miss("auto-reply not ignored")
            continue
        found = by_id.get(key)
        if found is None:
            miss("missing")
            continue
        msg = found
        if exp.phrase not in msg.text:
            miss("text not decoded")
            continue
        if sorted(attachments.get(msg.pk, [])) != sorted(exp.attachments):
            miss("attachments differ")
            continue
        if exp.result == "created":
            if msg.ticket.subject != exp.subject:
                miss("subject differs")
                continue
        else:
            original = by_id.get(exp.reply_to.strip("<>"))
            if original is None or original.ticket_id != msg.ticket_id:
                miss("reply not threaded")
                continue
        good += 1
    return {"correct": good, **{f"wrong: {k}": v for k, v in wrong.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--via", choices=["lmtp", "imap", "inline"], default="lmtp")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--listeners", type=int, default=2, help="LMTP listener processes")
    parser.add_argument("--workers", type=int, default=4, help="intake threads per listener")
    parser.add_argument("--clients", type=int, default=8, help="concurrent LMTP connections")
    parser.add_argument("--profile", default="", help="with --via inline: write a profile")
    args = parser.parse_args()
    first, second = build(args.count)
    waves = [first, second]
    dbname, env = setup_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from zayavka.core.demo import load_demo

        call_command("migrate", verbosity=0)
        load_demo()
        costs: dict[str, object] = {}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        if args.via == "lmtp":
            elapsed = run_lmtp(args, env, waves)
        elif args.via == "imap":
            elapsed = run_imap(args, env, waves)
        else:
            elapsed, costs = run_inline(args, waves)
        if args.via != "inline":
            # CPU of the listeners or the poller (and of any other child waited for, such
            # as the IMAP server): steadier than the rate on a shared machine.
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
            costs["children_cpu_ms_per_message"] = round(1000 * cpu / (len(first) + len(second)), 2)
        counts = check(waves)
        total = len(first) + len(second)
        size = sum(len(m.raw) for wave in waves for m in wave)
        print(
            json.dumps(
                {
                    "via": args.via,
                    "database": "postgres",
                    "messages": total,
                    "megabytes": round(size / 1e6, 1),
                    "seconds": round(elapsed, 2),
                    "messages_per_second": round(total / elapsed, 1),
                    **(
                        {
                            "listeners": args.listeners,
                            "workers": args.workers,
                            "clients": args.clients,
                        }
                        if args.via == "lmtp"
                        else {}
                    ),
                    **costs,
                    **counts,
                },
                ensure_ascii=False,
            )
        )
    finally:
        drop_database(dbname)


if __name__ == "__main__":
    main()
