"""Benchmark: the agent's queue pages over a large desk on PostgreSQL.

    .venv/bin/python bench/agent_queue.py --tickets 100000
    .venv/bin/python bench/agent_queue.py --tickets 1000000

A new PostgreSQL database ``zayavka_bench_<pid>`` is created at
``$ZAYAVKA_BENCH_POSTGRES`` (default ``postgres://postgres@127.0.0.1:5432``), migrated,
loaded with the demo desk (agents, teams, catalogue) plus a restricted team the measured
agent is not in, more agents, organizations and contacts, and filled on the server with
INSERT … SELECT over generate_series (not the ORM): N tickets over two years, written in
the order they were created as a desk writes them (the open ones are the newest), mostly
resolved or closed, about 12 % still open, in several teams, organizations, priorities,
categories and channels, each with one to three messages of Russian text drawn from a
small vocabulary with a skewed word frequency, so that full-text search finds what it
would on a real desk. The database is dropped afterwards.

Measured: the server time of real requests through Django's test client, signed in as
an agent of two (unrestricted) teams: p50/p95 over --requests requests after warm-up,
of the "all open" queue, "my teams", a filtered queue, a deep page (the keyset cursor
followed --depth pages), text searches (a Russian word, an email, a ticket number), and
the per-queue counts alone. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import create_database, drop_database  # noqa: E402

ORGANIZATIONS = 60
CONTACTS = 20_000
MORE_AGENTS = 12
# Word frequency falls off as the square of a uniform draw: the first words are common,
# the last ones rare. SEARCHED is found in about 3 % of the tickets.
VOCABULARY = (
    "добрый день прошу помочь не работает ошибка сайт почта сервер доступ пароль "
    "компьютер принтер сеть интернет программа обновление файл документ счёт договор "
    "отчёт база данные клиент заказ телефон звонок письмо вложение таблица браузер "
    "страница форма кнопка вход учётная запись пользователь настройка резервная копия "
    "диск память процессор монитор клавиатура мышь сканер касса терминал склад накладная "
    "бухгалтерия зарплата отпуск кадры оплата банк выписка платёж налог декларация "
    "сертификат подпись ключ токен лицензия антивирус вирус шифрование удалённый "
    "рабочий стол подключение роутер маршрутизатор коммутатор кабель розетка питание "
    "перезагрузка зависает тормозит медленно быстро срочно вчера сегодня утром вечером "
    "после обеда неделю месяц назад снова опять постоянно иногда всегда никогда уже ещё "
    "пишет выдаёт показывает открывается закрывается сохраняется печатает отправляется "
    "приходит уходит теряется пропадает появляется сообщение уведомление окно экран "
    "картинка скриншот приложение мобильный планшет ноутбук видеокамера проектор "
    "конференция совещание календарь задача проект сроки руководитель директор менеджер "
    "бухгалтер кладовщик водитель курьер филиал офис магазин склад производство цех "
    "1с битрикс wordpress outlook exchange windows linux vpn wifi dns ssl smtp imap"
)
WORDS = VOCABULARY.split()
SEARCHED = "кладовщик"
SUBJECTS = [
    "Не открывается сайт",
    "Не приходит почта",
    "Ошибка 1С при проведении документа",
    "Не печатает принтер",
    "Нет доступа к общей папке",
    "Забыли пароль от учётной записи",
    "Медленно работает интернет",
    "Не подключается VPN",
    "Установить программу",
    "Новый сотрудник: создать учётную запись",
    "Сломалась клавиатура",
    "Ошибка сертификата в браузере",
    "Не работает касса",
    "Обновить антивирус",
    "Восстановить удалённый файл",
    "Зависает компьютер бухгалтера",
    "Настроить сканер",
    "Не работает телефон в офисе",
    "Перенести почтовый ящик",
    "Продлить лицензию",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--depth", type=int, default=200, help="pages deep for the deep page")
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN)")
    parser.add_argument(
        "--again", metavar="DATABASE", help="measure again a database a --keep run left"
    )
    args = parser.parse_args()
    name = create_database(args.again)
    os.environ["ZAYAVKA_ALLOWED_HOSTS"] = "testserver"
    try:
        run(args.tickets, args.requests, args.warmup, args.depth, fresh=not args.again)
    finally:
        if args.keep:
            print(f"kept database {name}", file=sys.stderr)
        else:
            drop_database(name)


def people() -> dict[str, Any]:
    """The desk around the demo: a restricted team, more agents, organizations and
    contacts with email addresses. Returns the ids the ticket fill draws from."""
    from django.db import connection

    from zayavka.accounts.models import (
        Agent,
        Contact,
        ContactAddress,
        Organization,
        Team,
        User,
    )

    teams = {t.name: t for t in Team.objects.all()}
    security = Team.objects.create(name="Безопасность", is_restricted=True)
    sidorov = User.objects.get(username="sidorov")
    Agent.objects.get(user=sidorov).teams.add(security)
    all_teams = [*teams.values(), security]
    for i in range(MORE_AGENTS):
        user = User.objects.create_user(f"agent{i}", f"agent{i}@support.example", "bench")
        Agent.objects.create(user=user).teams.set([all_teams[i % len(all_teams)]])
    Organization.objects.bulk_create(
        Organization(name=f"ООО «Клиент {i}»", kind=Organization.Kind.CLIENT)
        for i in range(ORGANIZATIONS)
    )
    orgs = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    now = datetime.now().astimezone()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Contact._meta.db_table} (name, organization_id, role, language,
                                                  created_at)
            SELECT 'Контакт ' || g, (%(orgs)s::bigint[])[1 + g %% %(n_orgs)s],
                   'requester', '', %(now)s
            FROM generate_series(1, %(count)s) AS g
            """,
            {"orgs": orgs, "n_orgs": len(orgs), "count": CONTACTS, "now": now},
        )
        cursor.execute(
            f"""
            INSERT INTO {ContactAddress._meta.db_table} (contact_id, kind, value, key,
                                                         is_primary)
            SELECT id, 'email', 'user' || id || '@client.example',
                   'user' || id || '@client.example', true
            FROM {Contact._meta.db_table}
            WHERE name LIKE 'Контакт %%'
            """
        )
    agents = list(User.objects.filter(agent__isnull=False).values_list("pk", flat=True))
    return {
        "agents": agents,
        "teams": [t.pk for t in all_teams],
        "orgs": orgs,
    }


def fill(count: int, ids: dict[str, Any]) -> None:
    """Insert `count` tickets and their messages on the server."""
    from django.db import connection
    from django.utils import timezone

    from zayavka.accounts.models import Contact
    from zayavka.tickets import fulltext
    from zayavka.tickets.models import Category, Message, Priority, Status, Ticket

    statuses: dict[str, list[int]] = {}
    for pk, category in Status.objects.order_by("pk").values_list("pk", "category"):
        statuses.setdefault(category, []).append(pk)
    first_contact = (
        Contact.objects.filter(name__startswith="Контакт ")
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )
    params: dict[str, Any] = {
        "count": count,
        "now": timezone.now(),
        "first_contact": first_contact,
        "contacts": CONTACTS,
        "agents": ids["agents"],
        "teams": ids["teams"],
        # The common priority four times in five.
        "priorities": sorted(
            Priority.objects.values_list("pk", flat=True),
            key=lambda pk: 0 if Priority.objects.get(pk=pk).is_default else 1,
        ),
        "categories": list(Category.objects.values_list("pk", flat=True)),
        "subjects": SUBJECTS,
        "words": WORDS,
        **{f"st_{k}": v for k, v in statuses.items()},
    }
    # s: one row per ticket with its random draws. state: 2 % new, 7 % open, 3 % pending,
    # 8 % resolved, the rest closed. Open tickets are from the last month; the others over
    # two years. The deadlines of open ones spread from two days overdue to two weeks ahead.
    explicit = {
        "number": "100000 + row_number() OVER (ORDER BY created)",
        "key": "'bench-' || g",
        "subject": "(%(subjects)s::text[])[1 + floor(r1 * r1 * 20)::int]",
        "requester_id": "contact",
        "organization_id": "org",
        "category_id": (
            "CASE WHEN r2 < 0.1 THEN NULL ELSE (%(categories)s::bigint[])"
            "[1 + floor(r2 * 1000)::int %% cardinality(%(categories)s::bigint[])] END"
        ),
        "priority_id": (
            "CASE WHEN r3 < 0.8 THEN (%(priorities)s::bigint[])[1] ELSE (%(priorities)s::bigint[])"
            "[1 + floor(r3 * 1000)::int %% cardinality(%(priorities)s::bigint[])] END"
        ),
        "status_id": (
            "CASE state WHEN 'new' THEN (%(st_new)s::bigint[])[1]"
            " WHEN 'open' THEN (%(st_open)s::bigint[])[1 + g %% cardinality(%(st_open)s::bigint[])]"
            " WHEN 'pending' THEN (%(st_pending)s::bigint[])[1]"
            " WHEN 'resolved' THEN (%(st_resolved)s::bigint[])[1]"
            " ELSE (%(st_closed)s::bigint[])[1] END"
        ),
        "state": "state",
        "assignee_id": (
            "CASE WHEN state = 'new' OR r4 < 0.1 THEN NULL ELSE (%(agents)s::bigint[])"
            "[1 + floor(r4 * 10000)::int %% cardinality(%(agents)s::bigint[])] END"
        ),
        "team_id": (
            "CASE WHEN r5 < 0.05 THEN NULL ELSE (%(teams)s::bigint[])"
            "[1 + floor(r5 * 10000)::int %% cardinality(%(teams)s::bigint[])] END"
        ),
        "channel": (
            "CASE WHEN r6 < 0.6 THEN 'email' WHEN r6 < 0.8 THEN 'portal'"
            " WHEN r6 < 0.9 THEN 'phone' ELSE 'telegram' END"
        ),
        "created_at": "created",
        "updated_at": (
            "CASE WHEN state IN ('new', 'open', 'pending')"
            " THEN created + r7 * (%(now)s - created)"
            " ELSE created + r7 * interval '10 days' END"
        ),
        "last_inbound_at": "created",
        "first_response_due": "created + interval '4 hours'",
        "first_responded_at": (
            "CASE WHEN state = 'new' OR (state = 'open' AND r7 < 0.2) THEN NULL"
            " ELSE created + interval '1 hour' END"
        ),
        "resolution_due": (
            "CASE WHEN state IN ('new', 'open', 'pending')"
            " THEN %(now)s - interval '2 days' + r8 * interval '16 days'"
            " ELSE created + interval '3 days' END"
        ),
        "resolved_at": (
            "CASE WHEN state IN ('resolved', 'closed') THEN created + r7 * interval '10 days' END"
        ),
        "closed_at": "CASE WHEN state = 'closed' THEN created + interval '12 days' END",
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
    tickets = f"""
        INSERT INTO {Ticket._meta.db_table} ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM (
            SELECT d.*, c.id AS contact, c.organization_id AS org,
                   CASE WHEN state IN ('new', 'open', 'pending')
                        THEN %(now)s - r0 * interval '30 days'
                        ELSE %(now)s - interval '12 days' - r0 * interval '718 days'
                   END AS created
            FROM (
                SELECT g, random() AS r0, random() AS r1, random() AS r2, random() AS r3,
                       random() AS r4, random() AS r5, random() AS r6, random() AS r7,
                       random() AS r8,
                       floor(random() * %(contacts)s)::int AS c,
                       CASE WHEN g %% 100 < 2 THEN 'new' WHEN g %% 100 < 9 THEN 'open'
                            WHEN g %% 100 < 12 THEN 'pending'
                            WHEN g %% 100 < 20 THEN 'resolved' ELSE 'closed' END AS state
                FROM generate_series(1, %(count)s) AS g
            ) AS d
            JOIN accounts_contact AS c ON c.id = %(first_contact)s + d.c
        ) AS s
        ORDER BY created
    """
    # One to three messages a ticket; each 8 to 23 words. The subquery mentions the
    # ticket, so PostgreSQL draws new words for every message.
    message_values = {
        "ticket_id": "t.id",
        "direction": "CASE WHEN m = 2 THEN 'out' ELSE 'in' END",
        "kind": "'reply'",
        "channel": "t.channel",
        "author_contact_id": "CASE WHEN m = 2 THEN NULL ELSE t.requester_id END",
        "text": (
            "(SELECT string_agg((%(words)s::text[])"
            "[1 + floor(random() * random() * cardinality(%(words)s::text[]))::int], ' ')"
            " FROM generate_series(1, 8 + (t.id + m) %% 16))"
        ),
        "created_at": "t.created_at + m * interval '1 hour'",
    }
    mcolumns, mvalues = [], []
    for field in Message._meta.concrete_fields:
        if field.primary_key or field.column is None:
            continue
        mcolumns.append(connection.ops.quote_name(field.column))
        if field.column in message_values:
            mvalues.append(message_values[field.column])
        elif field.null:
            mvalues.append("NULL")
        else:
            key = f"mdefault_{field.column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            mvalues.append(f"%({key})s")
    messages = f"""
        INSERT INTO {Message._meta.db_table} ({", ".join(mcolumns)})
        SELECT {", ".join(mvalues)}
        FROM {Ticket._meta.db_table} AS t
        CROSS JOIN LATERAL generate_series(1, 1 + t.id %% 3) AS m
        WHERE t.key LIKE 'bench-%%'
    """
    with connection.cursor() as cursor:
        # Indexes are cheaper built once than maintained row by row: the full-text ones
        # are dropped during the fill and built again afterwards, as the migrations would.
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename IN (%s, %s) AND indexname LIKE 'workspace_%%'",
            [Ticket._meta.db_table, Message._meta.db_table],
        )
        dropped = cursor.fetchall()
        for name, _definition in dropped:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(tickets, params)
        cursor.execute(messages, params)
    # The tickets' full-text index, as the migration builds it (normalised in Python).
    fulltext.backfill(Ticket, Message)
    with connection.cursor() as cursor:
        for _name, definition in dropped:
            cursor.execute(definition)
    # As autovacuum leaves a table that has settled: statistics, and the visibility map
    # that lets PostgreSQL answer from an index alone.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 1),
    }


def run(count: int, requests: int, warmup: int, depth: int, *, fresh: bool = True) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from zayavka.accounts.models import ContactAddress, Organization, User
    from zayavka.core.demo import load_demo
    from zayavka.tickets.models import Message, Priority, Status, Ticket
    from zayavka.workspace.queues import queue_counts

    fill_seconds = 0.0
    if fresh:
        call_command("migrate", verbosity=0)
        load_demo()
        ids = people()
        started = time.perf_counter()
        fill(count, ids)
        fill_seconds = time.perf_counter() - started
    count = Ticket.objects.filter(key__startswith="bench-").count()

    agent = User.objects.get(username="ivanova")
    client = Client(headers={"Accept-Language": "ru"})
    client.force_login(agent)

    in_sql: list[float] = [0.0]

    def clock_sql(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql[0] += time.perf_counter() - t0

    def timed(fetch: Callable[[], Any]) -> dict[str, Any]:
        """The request's time, and the part of it spent waiting for PostgreSQL."""
        for _ in range(warmup):
            fetch()
        samples: list[float] = []
        sql: list[float] = []
        with connection.execute_wrapper(clock_sql):
            for _ in range(requests):
                in_sql[0] = 0.0
                t0 = time.perf_counter()
                fetch()
                samples.append((time.perf_counter() - t0) * 1000)
                sql.append(in_sql[0] * 1000)
        with CaptureQueriesContext(connection) as queries:
            fetch()
        in_db = percentiles(sql)
        return {
            **percentiles(samples),
            "sql_p50_ms": in_db["p50_ms"],
            "sql_p95_ms": in_db["p95_ms"],
            "queries": len(queries.captured_queries),
        }

    def get(url: str, query: dict[str, Any] | None = None) -> Callable[[], Any]:
        def fetch() -> Any:
            response = client.get(url, query or {})
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fetch

    def rows(response: Any) -> int:
        return response.content.count(b'name="tickets" value=')

    def next_cursor(response: Any) -> str:  # the "Next page" link's cursor
        found = re.search(rb'after=([\w-]+)" rel="next"', response.content)
        return found.group(1).decode() if found else ""

    queue = lambda slug: reverse("workspace:queue", args=[slug])  # noqa: E731
    # The filter: the organization with the most open tickets, a non-default priority, a
    # status in the "open" category.
    org = (
        Ticket.objects.filter(state__in=["new", "open", "pending"], organization__isnull=False)
        .values("organization")
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")[0]["organization"]
    )
    priority = Priority.objects.exclude(is_default=True).order_by("-rank")[0]
    status = Status.objects.filter(category="open").order_by("pk")[0]
    filtered = {
        "organization": org,
        "priority": priority.slug,
        "status": status.slug,
    }
    # The deep page: follow the "next" cursor `depth` pages into "all open".
    # On a small desk the queue may end sooner: then its last full page is measured.
    after, reached = "", 0
    while reached < depth:
        following = next_cursor(get(queue("open"), {"after": after} if after else {})())
        if not following:
            break
        after, reached = following, reached + 1
    requester = Ticket.objects.filter(key__startswith="bench-").order_by("pk")[count // 2].requester
    email = ContactAddress.objects.get(contact=requester).value
    number = Ticket.objects.filter(key__startswith="bench-").order_by("-pk")[count // 3].number
    checks = {
        "open": (queue("open"), None),
        "team": (queue("team"), None),
        "filtered": (queue("open"), filtered),
        "deep_page": (queue("open"), {"after": after}),
        "closed": (queue("closed"), None),
        "at_risk": (queue("at_risk"), None),
        "search_word": (queue("all"), {"q": SEARCHED}),
        "search_two_words": (queue("all"), {"q": "не печатает"}),
        "search_email": (queue("all"), {"q": email}),
        "search_number": (queue("all"), {"q": str(number)}),
    }
    results: dict[str, Any] = {}
    for kind, (url, query) in checks.items():
        figures = timed(get(url, query))
        figures["rows"] = rows(get(url, query)())
        results[kind] = figures
    now = timezone.now()
    results["counts"] = timed(lambda: queue_counts(_fresh(agent), now))
    results["counts"]["values"] = queue_counts(_fresh(agent), now)
    searched = Message.objects.filter(text__contains=SEARCHED).values("ticket_id").distinct()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        (size,) = cursor.fetchone()
    report = {
        "database": "postgresql",
        "server_version": connection.pg_version,  # type: ignore[attr-defined]
        "tickets": Ticket.objects.count(),
        "open_tickets": Ticket.objects.filter(state__in=["new", "open", "pending"]).count(),
        "messages": Message.objects.count(),
        "organizations": Organization.objects.count(),
        "tickets_with_searched_word": searched.count(),
        "database_size": size,
        "fill_seconds": round(fill_seconds, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "requests": requests,
        "deep_page_depth": reached,
        "results": results,
    }
    print(json.dumps(report, ensure_ascii=False))


def _fresh(user: Any) -> Any:
    """The user without its per-request access cache, as a new request would see it."""
    user.__dict__.pop("_zayavka_access", None)
    return user


if __name__ == "__main__":
    main()
