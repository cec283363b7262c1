"""The Telegram channel's pure steps: the deep-link token and the reading of updates."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zayavka.channels.telegram import parse
from zayavka.channels.telegram.tokens import LINK_MAX_AGE, contact_of_link_token, link_token

NOW = 1_765_000_000.0


@given(st.integers(min_value=1, max_value=2**53))
def test_a_link_token_fits_telegrams_start_parameter_and_names_its_contact(pk: int) -> None:
    token = link_token(pk, now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token)
    assert contact_of_link_token(token, now=NOW + 60) == pk


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0), st.text())
def test_a_changed_token_names_nobody(pk: int, position: int, change: str) -> None:
    token = link_token(pk, now=NOW)
    index = position % len(token)
    altered = token[:index] + change + token[index + 1 :]
    if altered != token:
        assert contact_of_link_token(altered, now=NOW) is None


def test_a_token_lasts_a_day() -> None:
    token = link_token(42, now=NOW)
    assert contact_of_link_token(token, now=NOW + LINK_MAX_AGE) == 42
    assert contact_of_link_token(token, now=NOW + LINK_MAX_AGE + 1) is None
    assert contact_of_link_token(token, now=NOW - 10) is None  # from the future


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[]",
        b'{"update_id": "1"}',
        b'{"update_id": true}',
        b'{"update_id": -1}',
        b'{"update_id": 99999999999999999999999}',
        '{"update_id": 1}'.encode("utf-16"),
        b'{"update_id": 1, "message": {"text": "\xff"}}',  # not UTF-8
    ],
)
def test_what_is_not_an_update_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        parse.read_update(raw)


def test_a_message_update_becomes_the_inbound_message_intake_takes() -> None:
    text = "Не работает сайт romashka-shop.ru\nС утра ошибка 502"
    update = {
        "update_id": 9,
        "message": {
            "message_id": 3,
            "from": {"id": 77, "is_bot": False, "first_name": "Анна", "last_name": "Ли"},
            "chat": {"id": 77, "type": "private"},
            "date": 1765000000,
            "text": text,
        },
    }
    raw = json.dumps(update, ensure_ascii=False).encode()
    message = parse.parse(raw, "")
    assert (message.channel, message.external_id, message.raw) == ("telegram", "update:9", raw)
    assert (message.sender.telegram_id, message.sender.name) == ("77", "Анна Ли")
    assert message.sender.language == "ru" and not message.sender.authenticated
    assert (message.subject, message.text) == ("Не работает сайт romashka-shop.ru", text)
    assert message.received_at.timestamp() == 1765000000


def test_groups_and_bots_are_not_people_writing_to_the_desk() -> None:
    group = {"update_id": 1, "message": {"from": {"id": 1}, "chat": {"id": -5, "type": "group"}}}
    bot = {
        "update_id": 2,
        "message": {"from": {"id": 2, "is_bot": True}, "chat": {"id": 2, "type": "private"}},
    }
    assert parse.message_of(group) is None and parse.message_of(bot) is None
    with pytest.raises(ValueError):
        parse.parse(json.dumps(group).encode(), "")
