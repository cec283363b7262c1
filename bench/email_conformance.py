"""Score table of the email parser against the shared corpora, next to the stdlib.

Run: python3 -m uv run python bench/email_conformance.py [--failures] [--corpora DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zayavka.channels.email import conformance  # noqa: E402

REPLY_EXPECTATIONS = ROOT / "tests" / "channels" / "email" / "reply_fixtures.json"


def default_corpora() -> Path:
    env = os.environ.get("ZAYAVKA_CORPORA")
    return Path(env) if env else ROOT.parent / "shared" / "corpora"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=default_corpora())
    parser.add_argument("--failures", action="store_true", help="list failing items")
    args = parser.parse_args()
    if not args.corpora.exists():
        print(f"corpora not found at {args.corpora} (set ZAYAVKA_CORPORA)", file=sys.stderr)
        return 2
    mine = conformance.run(args.corpora, conformance.ours, reply_expectations=REPLY_EXPECTATIONS)
    base = conformance.run(args.corpora, conformance.stdlib, reply_expectations=REPLY_EXPECTATIONS)
    width = max(len(k) for k in mine.scores)
    print(f"{'field':<{width}}  {'zayavka':>9}  {'stdlib':>9}")
    print(f"{'-' * width}  {'-' * 9}  {'-' * 9}")
    for key, score in mine.scores.items():
        b = base.scores.get(key)
        theirs = f"{b.passed}/{b.total}" if b else "-"
        print(f"{key:<{width}}  {score.passed:>4}/{score.total:<4}  {theirs:>9}")
    print(f"\n{mine.files} files; slowest {mine.slowest[0]:.3f}s ({mine.slowest[1]})")
    if args.failures:
        for key, score in mine.scores.items():
            for item in score.failures:
                print(f"FAIL {key} {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
