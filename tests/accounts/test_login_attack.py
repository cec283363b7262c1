"""A stranger guessing an agent's password from many addresses cannot lock the agent
out: the name is slowed down, not locked, and the agent signing in from a device or an
address that signed in before gets straight in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.personas import PASSWORD, Agents
from zayavka.accounts.signin import DEVICE_COOKIE

pytestmark = pytest.mark.django_db

DESK = "/desk/login/"
ADMIN = "/admin/login/"
HOME = "203.0.113.7"  # Anna's office
TRAIN = "192.0.2.200"  # Anna on the train, an address never seen before


class Clock:
    """time.time() under the test's control, for the delays and the cache's expiry."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    yield fake


def sign_in(client: Client, url: str, username: str, password: str, ip: str) -> Any:
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def attack(clock: Clock, name: str, url: str = DESK) -> list[int]:
    """50 wrong passwords from 10 addresses, a patient attacker: each waits out the delay
    it is told. Answers the status of every attempt."""
    statuses = []
    for n in range(50):
        stranger = Client(headers={"Accept-Language": "en"})
        page = sign_in(stranger, url, name, f"guess {n}", f"198.51.100.{n % 10 + 1}")
        statuses.append(page.status_code)
        if page.status_code == 429:
            assert "Too many failed sign-in attempts; try again" not in page.content.decode()
            clock.now += int(page["Retry-After"])
            page = sign_in(stranger, url, name, f"guess {n}", f"198.51.100.{n % 10 + 1}")
            statuses.append(page.status_code)
    return statuses


def test_after_the_attack_the_agent_on_her_own_device_signs_in_at_once(
    agents: Agents, clock: Clock
) -> None:
    laptop = Client(headers={"Accept-Language": "en"})
    assert sign_in(laptop, DESK, "anna", PASSWORD, HOME).status_code == 302
    assert DEVICE_COOKIE in laptop.cookies
    laptop.post("/desk/logout/")

    statuses = attack(clock, "anna")
    assert statuses.count(200) == 50  # every guess was checked, and wrong; none locked

    # On the train: an unknown address, but her laptop knows her.
    page = sign_in(laptop, DESK, "anna", PASSWORD, TRAIN)
    assert page.status_code == 302 and "_auth_user_id" in laptop.session


def test_after_the_attack_the_agent_at_her_known_address_signs_in_at_once(
    agents: Agents, clock: Clock
) -> None:
    assert sign_in(Client(), DESK, "anna", PASSWORD, HOME).status_code == 302
    attack(clock, "anna")
    new_browser = Client(headers={"Accept-Language": "en"})
    assert sign_in(new_browser, DESK, "anna", PASSWORD, HOME).status_code == 302


def test_a_stranger_device_is_told_to_wait_not_locked_out(agents: Agents, clock: Clock) -> None:
    attack(clock, "anna")
    stranger = Client(headers={"Accept-Language": "en"})
    page = sign_in(stranger, DESK, "anna", PASSWORD, TRAIN)
    assert page.status_code == 429
    assert page["Retry-After"] == "300"  # the cap
    text = page.content.decode()
    assert "wait 300 seconds and try again" in text
    assert "Too many failed sign-in attempts; try again" not in text
    assert "_auth_user_id" not in stranger.session
    clock.now += 300
    page = sign_in(stranger, DESK, "anna", PASSWORD, TRAIN)
    assert page.status_code == 302 and "_auth_user_id" in stranger.session


def test_the_delay_is_in_russian_too(agents: Agents, clock: Clock) -> None:
    attack(clock, "anna")
    page = sign_in(Client(headers={"Accept-Language": "ru"}), DESK, "anna", PASSWORD, TRAIN)
    assert page.status_code == 429
    assert "подождите 300 секунд" in page.content.decode()


def test_attacking_through_the_admin_sign_in_is_slowed_the_same(
    agents: Agents, clock: Clock
) -> None:
    statuses = attack(clock, "root", ADMIN)
    assert statuses.count(200) == 50
    page = sign_in(Client(headers={"Accept-Language": "en"}), ADMIN, "root", PASSWORD, TRAIN)
    assert page.status_code == 429
    assert "wait 300 seconds and try again" in page.content.decode()
    page = sign_in(Client(headers={"Accept-Language": "en"}), DESK, "root", PASSWORD, TRAIN)
    assert page.status_code == 429


def test_a_forged_device_cookie_is_a_stranger(agents: Agents, clock: Clock) -> None:
    attack(clock, "anna")
    forger = Client(headers={"Accept-Language": "en"})
    forger.cookies[DEVICE_COOKIE] = '{"id": "x", "names": ["anything"]}'
    assert sign_in(forger, DESK, "anna", PASSWORD, TRAIN).status_code == 429


def test_a_known_device_guessing_is_stopped_after_a_few_tries(agents: Agents, clock: Clock) -> None:
    """A stolen laptop's cookie buys no more guesses than one address has."""
    laptop = Client(headers={"Accept-Language": "en"})
    assert sign_in(laptop, DESK, "anna", PASSWORD, HOME).status_code == 302
    laptop.post("/desk/logout/")
    for n in range(5):
        assert sign_in(laptop, DESK, "anna", f"guess {n}", f"192.0.2.{n + 1}").status_code == 200
    page = sign_in(laptop, DESK, "anna", PASSWORD, "192.0.2.99")
    assert page.status_code == 429
    assert "Too many failed sign-in attempts; try again in 15 minutes." in page.content.decode()
