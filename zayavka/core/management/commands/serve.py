from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from zayavka.core.demo import DEMO_LOGINS, demo_needed, load_demo

# The addresses printed once the desk runs, after its root URL.
PAGES = [
    ("Agent desk:", "desk/"),
    ("Client portal:", "portal/"),
    ("Web form:", "portal/new/"),
    ("Admin:", "admin/"),
]


class Command(BaseCommand):
    help = "Run the whole desk in one command: migrations, demo data, web server and worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-worker", action="store_true")
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        # Each step says what it does: on a slow disk the first start takes a while, and
        # ten silent seconds look like a hang.
        self._say(f"Preparing the database in {settings.DATA_DIR} …")
        call_command("migrate", interactive=False, verbosity=0)
        self._say("Collecting the static files …")
        call_command("collectstatic", interactive=False, verbosity=0)
        demo = settings.ZAYAVKA_DEMO and not options["no_demo"] and demo_needed()
        if demo:
            self._say("Loading the demo data …")
            load_demo()
        # From here on this process only supervises: give its database connections back,
        # pool included, so that it holds none of PostgreSQL's for as long as it runs.
        for connection in connections.all(initialized_only=True):
            connection.close()
            if close_pool := getattr(connection, "close_pool", None):
                close_pool()
        self._say("Starting the web server and the worker …")
        procs = []
        if not options["no_worker"]:
            worker = [sys.executable, "-m", "zayavka.cli", "worker"]
            procs.append(subprocess.Popen(worker))  # noqa: S603
        if settings.ZAYAVKA_TELEGRAM_TOKEN and not settings.ZAYAVKA_TELEGRAM_WEBHOOK_SECRET:
            # The bot's long poller; with a webhook secret Telegram posts to the web server.
            poller = [sys.executable, "-m", "zayavka.cli", "telegram", "poll"]
            procs.append(subprocess.Popen(poller))  # noqa: S603
        # Our own interpreter and fixed arguments: nothing here comes from a user.
        web = [
            *(sys.executable, "-m", "granian", "--interface", "asginl"),
            *("--host", settings.HOST, "--port", str(settings.PORT)),
            *("--workers", str(settings.ZAYAVKA_WEB_WORKERS), "--no-access-log"),
            *("--static-path-route", "/static", "--static-path-mount", str(settings.STATIC_ROOT)),
            "zayavka.asgi:application",
        ]
        procs.append(subprocess.Popen(web))  # noqa: S603
        url = f"http://{settings.HOST}:{settings.PORT}/"
        self.stdout.write(f"Zayavka is running at {url}  (data: {settings.DATA_DIR})")
        for name, path in PAGES:
            self.stdout.write(f"  {name:<14} {url}{path}")
        if demo or settings.ZAYAVKA_DEMO:
            self.stdout.write("Demo logins (agents sign in to the desk, clients to the portal):")
            for role, login, password in DEMO_LOGINS:
                self.stdout.write(f"  {role}: {login} / {password}")
        mail: dict[str, Any] = settings.MAILERS["default"]
        if str(mail["BACKEND"]).endswith("filebased.EmailBackend"):
            self.stdout.write(f"Mail the desk sends is written to {mail['OPTIONS']['file_path']}")
        self.stdout.write("Stop with Ctrl+C.")
        self.stdout.flush()
        self._supervise(procs)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _supervise(self, procs: list[subprocess.Popen[bytes]]) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        failed = [p.args for p in procs if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            sys.exit(1)
