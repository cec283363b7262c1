"""Benchmark: the knowledge base search against the evaluation set, on SQLite and
PostgreSQL — recall@3 and MRR, the top results' parity between the back ends, and the
query latency with the demo articles among N synthetic ones.

    python3 -m uv run python bench/kb_search.py                       # both back ends
    python3 -m uv run python bench/kb_search.py --database sqlite --articles 10000
    python3 -m uv run python bench/kb_search.py --strategy all        # every word required

Each back end runs in a process of its own from an empty database (a temporary data
directory; a PostgreSQL database `zayavka_bench_<pid>` dropped afterwards) with the demo
articles (zayavka/kb/demo/articles/) loaded through the actions. Queries go through
`zayavka.kb.search.search_articles` over the public articles: what `zayavka kb search`
answers. Prints one JSON line per back end, then one with the parity.

Metrics (bench/kb_eval/README.md): recall@3 is the share of answerable queries with a
relevant article in the top 3; MRR the mean of 1/rank of the first relevant article in
the top 5 (0 when none). Queries with no relevant article are reported apart: how many
got any answer, and the best score given to one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import create_database, drop_database, prepare_environment  # noqa: E402

QUERIES = ROOT / "bench" / "kb_eval" / "queries.jsonl"
STRATEGIES = ("any", "all")


def _search(text: str, strategy: str, among: Any, limit: int) -> list[tuple[str, float]]:
    from zayavka.kb.models import Article
    from zayavka.kb.search import ARTICLES, search_articles

    if strategy == "any":
        return [(h.article.slug, h.score) for h in search_articles(text, among, limit=limit)]
    keys = among.order_by().values("pk")
    found = ARTICLES.search(text, limit, match=strategy, among=keys)  # type: ignore[arg-type]
    slugs = dict(Article.objects.filter(pk__in=[k for k, _ in found]).values_list("pk", "slug"))
    return [(slugs[k], s) for k, s in found]


def _synthetic(count: int) -> None:
    """`count` published public articles made of the demo articles' sentences shuffled:
    realistic words and codes, so that they compete for the same terms."""
    from django.utils import timezone

    from zayavka.kb.models import Article
    from zayavka.kb.render import render_markdown
    from zayavka.kb.search import ARTICLES, document_of

    rng = random.Random(13)
    sentences = [
        s.strip()
        for a in Article.objects.all()
        for s in (a.body_ru + " " + a.body_en).replace("\n", " ").split(". ")
        if len(s.strip()) > 20
    ]
    titles = [a.title_ru for a in Article.objects.all()] + [
        a.title_en for a in Article.objects.exclude(title_en="")
    ]
    now = timezone.now()
    made = 0
    while made < count:
        batch = []
        for _ in range(min(500, count - made)):
            made += 1
            body = ". ".join(rng.sample(sentences, 8)) + "."
            batch.append(
                Article(
                    slug=f"synthetic-{made}",
                    state=Article.State.PUBLISHED,
                    title_ru=f"{rng.choice(titles)} ({made})",
                    body_ru=body,
                    html_ru=render_markdown(body),
                    tags=", ".join(rng.sample(["outlook", "1c", "vpn", "принтер", "сайт"], 2)),
                    created_at=now,
                    updated_at=now,
                )
            )
        created = Article.objects.bulk_create(batch)
        ARTICLES.update_many((a.pk, document_of(a)) for a in created)


def run_one(database: str, strategy: str, articles: int) -> dict[str, Any]:
    import django

    if database == "postgres":
        name = create_database()
    else:
        prepare_environment()
        name = ""
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from zayavka.kb.actions.importing import load_articles
    from zayavka.kb.models import Article

    try:
        call_command("migrate", verbosity=0)
        report = load_articles()
        assert not report.errors, report.errors
        if articles:
            _synthetic(articles)
        public = Article.objects.public()
        queries = [json.loads(line) for line in QUERIES.read_text().splitlines() if line]
        _search("прогрев", strategy, public, 5)  # load the normaliser's dictionaries
        results, times = [], []
        for q in queries:
            start = time.perf_counter()
            hits = _search(q["query"], strategy, public, 5)
            times.append(time.perf_counter() - start)
            results.append({"query": q["query"], "lang": q["lang"], "top": hits})
        metrics = _metrics(queries, results)
        times.sort()
        return {
            "database": database,
            "vendor": connection.vendor,
            "strategy": strategy,
            "articles": public.count(),
            **metrics,
            "latency_ms": {
                "p50": round(statistics.median(times) * 1000, 2),
                "p95": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
                "max": round(times[-1] * 1000, 2),
            },
            "top": [[h[0] for h in r["top"][:1]] for r in results],
        }
    finally:
        if name:
            drop_database(name)


def _metrics(queries: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lang in ("all", "ru", "en"):
        answerable = [
            (q, r)
            for q, r in zip(queries, results, strict=True)
            if q["relevant"] and lang in ("all", q["lang"])
        ]
        hit3 = rr = 0.0
        for q, r in answerable:
            slugs = [slug for slug, _score in r["top"]]
            if any(s in q["relevant"] for s in slugs[:3]):
                hit3 += 1
            rank = next((i for i, s in enumerate(slugs[:5], 1) if s in q["relevant"]), 0)
            rr += 1 / rank if rank else 0
        n = len(answerable) or 1
        out[lang] = {
            "queries": len(answerable),
            "recall@3": round(hit3 / n, 3),
            "mrr": round(rr / n, 3),
        }
    unanswerable = [r for q, r in zip(queries, results, strict=True) if not q["relevant"]]
    out["no_answer"] = {
        "queries": len(unanswerable),
        "answered": sum(1 for r in unanswerable if r["top"]),
        "first": [r["top"][0][0] if r["top"] else None for r in unanswerable],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--strategy", choices=STRATEGIES, default="any")
    parser.add_argument("--articles", type=int, default=0, help="synthetic articles to add")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.database, args.strategy, args.articles)))
        return
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    tops = []
    for database in databases:
        child = subprocess.run(
            [
                *(sys.executable, __file__, "--one", "--database", database),
                *("--strategy", args.strategy, "--articles", str(args.articles)),
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        tops.append(result.pop("top"))
        print(json.dumps(result, ensure_ascii=False))
    if len(tops) == 2:
        same = sum(1 for a, b in zip(*tops, strict=True) if a == b)
        print(json.dumps({"parity_top1": round(same / len(tops[0]), 3), "queries": len(tops[0])}))


if __name__ == "__main__":
    main()
