"""Do SQLite and PostgreSQL rank alike? The same synthetic knowledge base (N articles:
a title and a body of Russian service-desk words with a skewed frequency, some error
codes) indexed with zayavka.search on both back ends, and the same queries (one to
four words, as clients type them, matching any word) asked of both: the share of
queries whose top result is the same, with the shared BM25F ranking (`search`) and with
each back end's own (`search_native`: bm25 against ts_rank). Also the p50/p95 of a
query on each.

    .venv/bin/python bench/search_parity.py --articles 10000 --queries 300

Creates a scratch PostgreSQL database (bench/database.py) and a SQLite file in a fresh
data directory; the queries run on both from one process (two Django connections).
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

from bench.database import create_database, drop_database  # noqa: E402
from bench.ticket_search import CODES, VOCABULARY  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=50)
    args = parser.parse_args()
    name = create_database()
    sqlite_path = Path(os.environ["ZAYAVKA_DATA_DIR"]) / "parity.sqlite3"
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.db import connections

        settings.DATABASES["sqlite"] = {
            **settings.DATABASES["default"],
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(sqlite_path),
            "OPTIONS": {},
        }
        del connections.settings  # re-read DATABASES
        print(json.dumps(measure(args.articles, args.queries, args.candidates), ensure_ascii=False))
    finally:
        drop_database(name)


def measure(articles: int, queries: int, candidates: int) -> dict[str, Any]:
    from django.db import connections

    import zayavka.search.index as index_module
    from zayavka.search import FullTextIndex

    rng = random.Random(5)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(VOCABULARY))]
    docs = []
    for key in range(1, articles + 1):
        title = " ".join(rng.choices(VOCABULARY, weights, k=rng.randint(3, 8)))
        body = " ".join(rng.choices(VOCABULARY, weights, k=rng.randint(50, 300)))
        if rng.random() < 0.05:
            body += " " + rng.choice(CODES)
        docs.append((key, {"title": title, "body": body}))
    asked = [" ".join(rng.choices(VOCABULARY + CODES, k=rng.randint(1, 4))) for _ in range(queries)]
    index = FullTextIndex("parity", fields=("title", "body"), weights=(3.0, 1.0))
    answers: dict[str, dict[str, list[Any]]] = {}
    times: dict[str, list[float]] = {}
    for alias in ("sqlite", "default"):
        connection = connections[alias]
        index_module.connection = connection
        vendor = connection.vendor
        index.create()
        index.update_many(docs)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        index._stats.clear()
        shared, native, samples = [], [], []
        for text in asked:
            started = time.perf_counter()
            shared.append(
                [k for k, _s in index.search(text, 3, match="any", candidates=candidates)]
            )
            samples.append((time.perf_counter() - started) * 1000)
            native.append([k for k, _s in index.search_native(index.query(text, match="any"), 3)])
        answers[vendor] = {"shared": shared, "native": native}
        samples.sort()
        times[vendor] = [
            round(statistics.median(samples), 1),
            round(samples[int(len(samples) * 0.95) - 1], 1),
        ]

    def same_top(kind: str) -> float:
        pairs = zip(answers["sqlite"][kind], answers["postgresql"][kind], strict=True)
        agree = sum((a[:1] == b[:1]) for a, b in pairs)
        return round(agree / len(asked), 3)

    return {
        "articles": articles,
        "queries": len(asked),
        "candidates": candidates,
        "same_top_shared_bm25f": same_top("shared"),
        "same_top_native": same_top("native"),
        "query_ms_p50_p95": times,
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zayavka.settings")
    main()
