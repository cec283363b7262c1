"""The agent's ticket search at scale: the tickets' full-text index (tickets/fulltext.py)
with N documents, and the search's SQL as the queue page runs it.

The documents are written straight into the index (`FullTextIndex.write_terms`, in
batches, one transaction), as the normaliser makes them: subject, requester's name and
one to three messages of Russian words drawn from a vocabulary of 160 with a skewed
frequency (the searched word, «кладовщик», in about 3 % of tickets), plus error codes.
Each word of the vocabulary is normalised once with the desk's normaliser and the terms
are composed, so the fill costs what the back end costs. A stand-in ticket table
(id, updated_at, indexed) plays the queue: each search is the page's query
`id IN (index matches) ORDER BY updated_at DESC LIMIT 51` after building the query
from the user's text. Timed: p50/p95 of 30 runs after 3 of warm-up. Index size per
ticket: SQLite pages (or PostgreSQL's relation sizes) before and after the fill.

    .venv/bin/python bench/ticket_search.py --database sqlite --tickets 1000000
    .venv/bin/python bench/ticket_search.py --database postgres --tickets 100000

Never part of the test suite. The full request (rendering the page) adds what
bench/agent_queue.py measures for a queue page (20–40 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import create_database, drop_database, prepare_environment  # noqa: E402

VOCABULARY = [
    "не",
    "работает",
    "почта",
    "сервер",
    "принтер",
    "печатает",
    "бумага",
    "картридж",
    "ошибка",
    "сайт",
    "браузер",
    "сертификат",
    "лицензия",
    "обновление",
    "пароль",
    "учетная",
    "запись",
    "вход",
    "заблокирована",
    "vpn",
    "anydesk",
    "подключение",
    "удаленный",
    "компьютер",
    "бухгалтерия",
    "отчет",
    "склад",
    "накладная",
    "касса",
    "чек",
    "терминал",
    "менеджер",
    "клиент",
    "заказ",
    "доставка",
    "оплата",
    "счет",
    "договор",
    "акт",
    "сверка",
    "выгрузка",
    "загрузка",
    "файл",
    "папка",
    "сеть",
    "интернет",
    "роутер",
    "wifi",
    "телефон",
    "звонок",
    "номер",
    "монитор",
    "клавиатура",
    "мышь",
    "ноутбук",
    "диск",
    "память",
    "медленно",
    "зависает",
    "перезагрузка",
    "windows",
    "outlook",
    "thunderbird",
    "excel",
    "word",
    "таблица",
    "документ",
    "печать",
    "скан",
    "сканер",
    "копия",
    "письмо",
    "вложение",
    "спам",
    "рассылка",
    "адрес",
    "домен",
    "хостинг",
    "база",
    "данных",
    "резервная",
    "копия",
    "восстановление",
    "права",
    "доступ",
    "пользователь",
    "группа",
    "отпуск",
    "сотрудник",
    "новый",
    "увольнение",
    "настройка",
    "установка",
    "программа",
    "версия",
    "срочно",
    "сегодня",
    "утром",
    "вчера",
    "опять",
    "снова",
    "после",
    "обновления",
    "перестал",
    "появилась",
    "ошибка",
    "окно",
    "кнопка",
    "форма",
    "заявка",
    "вопрос",
    "проблема",
    "помогите",
    "пожалуйста",
    "спасибо",
    "добрый",
    "день",
    "коллеги",
    "офис",
    "филиал",
    "москва",
    "питер",
    "склад2",
    "главный",
    "бухгалтер",
    "директор",
    "кладовщик",
    "кладовщица",
    "смена",
    "график",
]
CODES = ["0x800CCC0F", "E-02", "5.7.1", "ERR_CONNECTION_REFUSED", "1С:Предприятие 8.3", "502"]
NAMES = [
    "Иванов",
    "Петров",
    "Сидорова",
    "Волков",
    "Кузнецова",
    "Смирнов",
    "Попова",
    "Лебедев",
    "Козлова",
    "Новиков",
]

QUERIES = {
    "word_3pct": "кладовщик",
    "common_word": "ошибка",
    "two_words": "не печатает принтер",
    "prefix_typing": "бухгал",
    "rare_code": "0x800CCC0F",
    "surname": "Волкова",
    "no_match": "экскаватор",
    "junk_10k": "!@#$%^&*() " * 1000,
    "fts_syntax": '"почта" NEAR(outlook* -сервер) OR col:x',
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    name = create_database() if args.database == "postgres" else None
    if name is None:
        prepare_environment()
    try:
        import django

        django.setup()
        print(json.dumps(measure(args.tickets, args.runs), ensure_ascii=False))
    finally:
        if name is not None:
            drop_database(name)


def measure(tickets: int, runs: int) -> dict[str, object]:
    from django.db import connection, transaction

    from zayavka.search import normaliser
    from zayavka.tickets.fulltext import TICKETS

    norm = normaliser()
    terms_of = {w: " ".join(norm.document(w)) for w in [*VOCABULARY, *CODES, *NAMES]}
    postgres = connection.vendor == "postgresql"
    from zayavka.workspace import search

    # There is no ticket table here: the index's size is the desk's.
    search._tickets_estimate = lambda: float(tickets)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_ticket (id bigint PRIMARY KEY, updated_at bigint NOT NULL)"
        )
        cursor.execute("CREATE INDEX bench_ticket_updated ON bench_ticket (updated_at)")
    TICKETS.create()
    before = _size(TICKETS.table)
    rng = random.Random(42)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(VOCABULARY))]
    searched = VOCABULARY.index("кладовщик")
    weights[searched] = 0  # placed by hand: about 3 % of tickets
    started = time.perf_counter()
    batch: list[tuple[int, list[str]]] = []
    with transaction.atomic():
        for key in range(1, tickets + 1):
            subject = rng.choices(VOCABULARY, weights, k=rng.randint(3, 6))
            thread = rng.choices(VOCABULARY, weights, k=rng.randint(15, 80))
            if rng.random() < 0.03:
                thread.append("кладовщик")
            if rng.random() < 0.001:
                thread.append(rng.choice(CODES))
            batch.append(
                (
                    key,
                    [
                        " ".join(terms_of[w] for w in subject if terms_of[w]),
                        terms_of[rng.choice(NAMES)],
                        " ".join(terms_of[w] for w in thread if terms_of[w]),
                    ],
                )
            )
            if len(batch) == 5_000:
                _flush(batch)
                batch = []
        _flush(batch)
    fill = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if not postgres else "VACUUM ANALYZE")
    size = _size(TICKETS.table) - before
    results: dict[str, object] = {
        "database": connection.vendor,
        "tickets": tickets,
        "fill_seconds": round(fill, 1),
        "index_bytes_per_ticket": round(size / tickets),
        "index_mb": round(size / 2**20),
    }
    for label, text in QUERIES.items():
        results[label] = _time_query(text, runs)
    return results


def _flush(batch: list[tuple[int, list[str]]]) -> None:
    from django.db import connection

    from zayavka.tickets.fulltext import TICKETS

    if not batch:
        return
    TICKETS.write_terms(batch)
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bench_ticket (id, updated_at) VALUES (%s, %s)",
            [(key, key * 7 % 1_000_003) for key, _terms in batch],
        )


def _time_query(text: str, runs: int) -> dict[str, object]:
    from django.db import connection

    from zayavka.tickets.fulltext import TICKETS

    samples = []
    found = 0
    matches = 0
    for run in range(runs + 3):
        started = time.perf_counter()
        rows = _page(text)
        if run >= 3:
            samples.append((time.perf_counter() - started) * 1000)
        found = len(rows)
    from zayavka.workspace import search

    exact = TICKETS.query(text)
    sql = TICKETS.keys_sql(text, prefix=bool(exact) and not search._first_ids(exact))
    if sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql[0]}) AS m", sql[1])
            matches = cursor.fetchone()[0]
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "matches": matches,
        "page_rows": found,
    }


def _page(text: str) -> list[tuple[int]]:
    """The queue page's query with the condition zayavka.workspace.search builds, the
    stand-in ticket table in the place of the tickets'."""
    from django.db import connection
    from django.db.models import Q

    from zayavka.workspace import search

    if not search.TICKETS.query(text):
        return []
    condition: Any = search._documents_matching(text)
    if not isinstance(condition.children[0], tuple):  # the condition on each row
        sql, params = condition.children[0].sql, condition.children[0].params
        sql = sql.replace('"tickets_ticket"."id"', "bench_ticket.id")
    else:
        ids = condition.children[0][1]
        if not isinstance(ids, list):  # a subquery of the index's matches
            sql, params = f"id IN ({ids.sql})", list(ids.params)
        elif not ids:
            return []
        else:
            sql, params = f"id IN ({', '.join(['%s'] * len(ids))})", ids
    assert isinstance(condition, Q)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM bench_ticket WHERE {sql} ORDER BY updated_at DESC LIMIT 51",
            params,
        )
        return cursor.fetchall()


def _size(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT coalesce(sum(pg_total_relation_size(oid)), 0) FROM pg_class "
                "WHERE relname = %s",
                [table],
            )
            return int(cursor.fetchone()[0])
        cursor.execute("PRAGMA page_count")
        pages = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA page_size")
        return pages * int(cursor.fetchone()[0])


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zayavka.settings")
    main()
