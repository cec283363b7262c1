"""The Telegram tests' fixtures: `bot_api`, a local Bot API server (botapi.py) that the
desk is configured to talk to, with a token and a webhook secret."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.channels.telegram.botapi import TOKEN, BotApiServer, running_bot_api

SECRET = "webhook-secret-42"


@pytest.fixture
def bot_api(settings: Any) -> Iterator[BotApiServer]:
    with running_bot_api() as api:
        settings.ZAYAVKA_TELEGRAM_TOKEN = TOKEN
        settings.ZAYAVKA_TELEGRAM_API_URL = api.url
        settings.ZAYAVKA_TELEGRAM_WEBHOOK_SECRET = SECRET
        settings.ZAYAVKA_TELEGRAM_BOT_USERNAME = "zayavka_test_bot"
        yield api
