"""The first Quick start command, as a new user runs it: one process serves the desk."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
def test_serve_starts_the_desk_with_demo_data_web_server_and_worker(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "ZAYAVKA_DATA_DIR": str(tmp_path / "var"),
        "ZAYAVKA_PORT": str(port),
        "ZAYAVKA_SECRET_KEY": "serve-test",
    }
    env.pop("ZAYAVKA_DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zayavka.cli", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        status, body = 0, ""
        while time.monotonic() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert status == 200, f"no healthy desk: {body}\n{log_path.read_text()}"
        status, login = get(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and 'name="password"' in login
        status, _ = get(f"http://127.0.0.1:{port}/static/zayavka/base.css")
        assert status == 200
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    output = log_path.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    # What it did while it started, then where everything is.
    assert output.index("Preparing the database") < output.index("Zayavka is running at")
    for path in ("desk/", "portal/", "portal/new/", "admin/"):
        assert f"http://127.0.0.1:{port}/{path}" in output
    assert f"Mail the desk sends is written to {tmp_path / 'var' / 'sent-mail'}" in output
    assert "admin / zayavka-admin" in output
    assert (tmp_path / "var" / "zayavka.sqlite3").exists()
