"""The Telegram channel by long polling: getUpdates against the local Bot API server
(botapi.py); the offset moves past an update only once it is committed, so a poller
killed at any moment loses nothing and takes nothing twice."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.channels.telegram.botapi import TOKEN, BotApiServer, message_update, running_bot_api
from tests.channels.telegram.conftest import SECRET
from tests.factories import World
from zayavka.channels.telegram import health
from zayavka.channels.telegram.api import BotApi, BotApiError
from zayavka.channels.telegram.models import TelegramUpdate
from zayavka.channels.telegram.poll import poll_once
from zayavka.tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_a_poll_takes_the_updates_and_confirms_them_with_the_next_offset(
    bot_api: BotApiServer, world: World
) -> None:
    bot_api.push(message_update(100, "Не открывается сайт"))
    bot_api.push(message_update(101, "Уже час не работает"))
    api = BotApi()
    try:
        offset, taken = poll_once(api, None, timeout=0)
        assert (offset, taken) == (102, 2)
        assert poll_once(api, offset, timeout=0) == (102, 0)
    finally:
        api.close()
    assert [c.get("offset") for c in bot_api.called("getUpdates")] == [None, 102]
    assert bot_api.updates == []  # confirmed: Telegram forgets them
    ticket = Ticket.objects.get()  # the second message continues the first
    assert ticket.messages.count() == 2


@pytest.mark.django_db
def test_an_update_not_committed_is_not_confirmed(bot_api: BotApiServer, world: World) -> None:
    bot_api.push(message_update(110, "Первое"))
    bot_api.push(message_update(111, "Второе"))
    api = BotApi()
    # The database refuses the second update's row: a real failure of the commit.
    with _refusing_update(111), pytest.raises(Exception, match="refused"):
        poll_once(api, None, timeout=0)
    assert list(TelegramUpdate.objects.values_list("update_id", flat=True)) == [110]
    # The next poll starts from the first update: the second comes again and is taken.
    offset, taken = poll_once(api, None, timeout=0)
    api.close()
    assert (offset, taken) == (112, 2)
    assert sorted(TelegramUpdate.objects.values_list("update_id", "state")) == [
        (110, "done"),
        (111, "done"),
    ]
    assert Ticket.objects.get().messages.count() == 2


class _refusing_update:
    """A trigger that makes the database refuse one update's row (SQLite and PostgreSQL)."""

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id

    def __enter__(self) -> None:
        table = TelegramUpdate._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                    f"WHEN NEW.update_id = {self.update_id} "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            else:
                cursor.execute(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.update_id = {self.update_id} THEN RAISE EXCEPTION 'refused'; "
                    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER refuse")
            else:
                cursor.execute(f"DROP TRIGGER refuse ON {TelegramUpdate._meta.db_table}")
                cursor.execute("DROP FUNCTION refuse()")


@pytest.mark.django_db
def test_a_failing_poller_shows_in_healthz(
    client: Client, bot_api: BotApiServer, settings: Any
) -> None:
    settings.ZAYAVKA_TELEGRAM_WEBHOOK_SECRET = ""  # the poller's mode
    assert client.get("/healthz").json()["checks"]["telegram"] == "poller: no heartbeat"
    api = BotApi(token="999:not-ours")
    with pytest.raises(BotApiError, match="401"):
        poll_once(api, None, timeout=0)
    api.close()
    health.record_failure(health.POLLER, "BotApiError: 401 getUpdates: Unauthorized")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["telegram"].startswith("poller failing: BotApiError: 401")
    health.record_ok(health.POLLER)
    assert client.get("/healthz").json()["checks"]["telegram"] == "ok"


# --- As `zayavka serve` runs it: a process of its own, killed mid-way -----------------


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Path]]:
    data = tmp_path_factory.mktemp("telegram-desk")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAYAVKA_")}
    env.update(
        ZAYAVKA_DATA_DIR=str(data),
        ZAYAVKA_SECRET_KEY="poll-test",
        ZAYAVKA_LOG_LEVEL="WARNING",
        ZAYAVKA_TELEGRAM_TOKEN=TOKEN,
        ZAYAVKA_TELEGRAM_POLL_TIMEOUT="2",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "zayavka.cli", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
    )
    yield env, data / "zayavka.sqlite3"


def _committed(database: Path) -> set[int]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return {
            row[0] for row in db.execute("SELECT update_id FROM telegram_channel_telegramupdate")
        }


def test_a_killed_poller_loses_nothing_and_takes_nothing_twice(
    desk: tuple[dict[str, str], Path],
) -> None:
    env, database = desk
    offsets: list[int] = []
    early: list[str] = []

    with running_bot_api() as api:

        def check_offset(params: dict[str, Any]) -> None:
            # Whenever the poller confirms updates, they are in the database already.
            offset = int(params.get("offset") or 0)
            offsets.append(offset)
            missing = {u["update_id"] for u in api.updates if u["update_id"] < offset}
            if missing - _committed(database):
                early.append(f"offset {offset} before {sorted(missing)} were committed")

        api.on_get_updates = check_offset
        for n in range(200, 205):
            api.push(message_update(n, f"Сообщение {n}", user_id=7000 + n))
        env = {**env, "ZAYAVKA_TELEGRAM_API_URL": api.url}
        command = [sys.executable, "-m", "zayavka.cli", "telegram", "poll"]
        poller = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            _wait_for(lambda: len(_committed(database)) >= 1)
        finally:
            poller.send_signal(signal.SIGKILL)  # mid-way: no clean shutdown
            poller.wait(timeout=30)
        for n in range(205, 208):
            api.push(message_update(n, f"Сообщение {n}", user_id=7000 + n))
        poller = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            _wait_for(lambda: _committed(database) >= set(range(200, 208)))
            _wait_for(lambda: max(offsets) == 208)
        finally:
            poller.send_signal(signal.SIGTERM)
            assert poller.wait(timeout=30) == 0
    assert early == []
    with contextlib.closing(sqlite3.connect(database)) as db:
        tickets = db.execute("SELECT COUNT(*) FROM tickets_ticket").fetchone()[0]
        raws = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT external_id) FROM tickets_rawinput"
        ).fetchone()
    assert tickets == 8 and raws == (8, 8)


def _wait_for(condition: Any, timeout: float = 120) -> None:
    # Not a timing assertion: only a limit on how long a broken poller is waited for.
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("the poller did not get there")
        threading.Event().wait(0.2)


@pytest.mark.django_db
def test_telegram_webhook_registers_the_url_with_its_secret(
    bot_api: BotApiServer, settings: Any
) -> None:
    out = io.StringIO()
    call_command("telegram", "webhook", stdout=out)
    url = f"{settings.SITE_URL}/telegram/webhook"
    assert json.loads(out.getvalue()) == {"webhook": url}
    [registered] = bot_api.called("setWebhook")
    assert (registered["url"], registered["secret_token"]) == (url, SECRET)
    call_command("telegram", "webhook", "--delete", stdout=io.StringIO())
    assert bot_api.called("deleteWebhook") == [{"drop_pending_updates": False}]


@pytest.mark.django_db
def test_telegram_poll_once_takes_what_is_waiting(bot_api: BotApiServer, world: World) -> None:
    bot_api.push(message_update(700, "Помогите с 1С"))
    out = io.StringIO()
    call_command("telegram", "poll", "--once", stdout=out)
    assert json.loads(out.getvalue()) == {"taken": 1}
    assert Ticket.objects.get().subject == "Помогите с 1С"
