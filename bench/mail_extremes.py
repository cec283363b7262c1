"""The hostile mails of issue 15 through `zayavka mail deliver`, one process each, as an
MTA runs it: the result, the exit status, wall time and peak RSS (`/usr/bin/time -f %M`).

Run: python3 -m uv run python bench/mail_extremes.py [--only NAME ...]
A desk with its own SQLite database is made in a temporary directory.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAD = (
    "From: Олег Смирнов <o.smirnov@romashka.ru>\r\nTo: support@desk.example\r\n"
    "Subject: {subject}\r\nMessage-ID: <{name}@bench.example>\r\nMIME-Version: 1.0\r\n"
)


def nested_html(name: str, depth: int) -> bytes:
    html = "<div>" * depth + "Сайт не работает" + "</div>" * depth
    head = HEAD.format(subject="nested", name=name)
    return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + html).encode()


def deep_multipart(name: str, depth: int) -> bytes:
    lines = [
        HEAD.format(subject="deep", name=name) + 'Content-Type: multipart/mixed; boundary="b0"'
    ]
    lines.append("")
    for i in range(1, depth):
        lines += [f"--b{i - 1}", f'Content-Type: multipart/mixed; boundary="b{i}"', ""]
    lines += [f"--b{depth - 1}", "Content-Type: text/plain; charset=utf-8", "", "Сайт не работает"]
    lines += [f"--b{i}--" for i in range(depth - 1, -1, -1)]
    return "\r\n".join(lines).encode()


def many_attachments(name: str, count: int) -> bytes:
    lines = [HEAD.format(subject="many", name=name) + 'Content-Type: multipart/mixed; boundary="B"']
    lines += ["", "--B", "Content-Type: text/plain", "", "files"]
    for i in range(count):
        lines += ["--B", f'Content-Disposition: attachment; filename="f{i}.txt"', "", f"file {i}"]
    return "\r\n".join([*lines, "--B--"]).encode()


def big_attachment(name: str, size: int) -> bytes:
    head = HEAD.format(subject="big", name=name) + 'Content-Type: multipart/mixed; boundary="B"'
    body = base64.encodebytes(os.urandom(size)).decode()
    return (
        f"{head}\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n"
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="a.bin"\r\n\r\n{body}\r\n--B--\r\n'
    ).encode()


CASES = {
    "nested-html-1.1MB": lambda: nested_html("n11", 100_000),
    "nested-html-2.2MB": lambda: nested_html("n22", 200_000),
    "multipart-1000-deep": lambda: deep_multipart("deep", 1000),
    "attachments-10000": lambda: many_attachments("many", 10_000),
    "attachment-20MB": lambda: big_attachment("big", 15 * 1024 * 1024),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZAYAVKA_")}
        env.update(ZAYAVKA_DATA_DIR=data, ZAYAVKA_SECRET_KEY="bench", ZAYAVKA_LOG_LEVEL="ERROR")
        env.pop("DJANGO_SETTINGS_MODULE", None)
        zayavka = [sys.executable, "-m", "zayavka.cli"]
        subprocess.run([*zayavka, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        for name in args.only or CASES:
            raw = CASES[name]()
            started = time.monotonic()
            done = subprocess.run(
                ["/usr/bin/time", "-f", "%M", *zayavka, "mail", "deliver"],
                input=raw,
                capture_output=True,
                env=env,
                cwd=ROOT,
                check=False,
            )
            rss_kb = int(done.stderr.decode().strip().splitlines()[-1])
            out = done.stdout.decode().strip()
            print(
                json.dumps(
                    {
                        "case": name,
                        "bytes": len(raw),
                        "exit": done.returncode,
                        "result": json.loads(out)["result"] if out else None,
                        "seconds": round(time.monotonic() - started, 2),
                        "peak_rss_mb": round(rss_kb / 1024, 1),
                    }
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
