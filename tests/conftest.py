"""The fixtures every test directory shares. Each name means one thing in the whole suite.

For every test, automatically:
  _isolated_files   attachments go to the test's own directory, the caches start
                    empty (and the rate limits' one ends so), tasks run at once
  _fast_passwords   MD5 instead of the real password hasher: these are test users
  _only_actions_write_tickets
                    fails the test when the desk's code wrote a ticket model outside
                    zayavka/tickets/actions/ while it ran (tests/writers.py)

Ask for them by name:
  world             the demo's organizations, contacts, team and category
                    (tests/factories.py: Romashka with Maria and Oleg, Severny Veter, ...)
  agents            the desk's people for the workspace tests (tests/personas.Agents):
                      anna     agent in the web team
                      boris    agent in no team
                      vera     agent in the restricted security team (`security`)
                      root     superuser without an agent profile
                      oleg     Oleg Smirnov's portal account: a customer, signs in as "oleg"
  customers         the portal's people and a few tickets between them
                    (tests/personas.Customers):
                      oleg     requester at Romashka (Oleg Smirnov; ticket_a)
                      irina    another requester at Romashka (Irina Belova; ticket_b)
                      maria    Romashka's manager (Maria Kuznetsova): sees its tickets
                      pavel    Severny Veter's manager (Pavel Vetrov; ticket_other)
                      anna     agent in the web team, who answered Oleg
                    Portal accounts sign in with their email; every persona's password
                    is tests.personas.PASSWORD.
  in_english        English for the test's own code; tests/workspace and tests/portal
                    use it for every test (their conftest.py)
  client            Django's test client asking for English pages
  plain_client      Django's test client as it comes: it names no language, so pages
                    are in the site's default, Russian
  browser           Chromium at a desktop's width, in English (screenshots "workspace-")
  russian_browser   the same in Russian ("workspace-ru-")
  phone_browser     Chromium at a phone's width, in Russian ("portal-")
  screen            Chromium four times over: Russian and English, each at 1366x768
                    and at 390x844 (screenshots "screen-ru-1366-", "screen-en-390-", ...);
                    `screen.lang` and `screen.phone` tell the test which one it has
tests/channels/email/conftest.py adds `dovecot` (an IMAP server) and `account` (a
mailbox on it); other fixtures belong to the one test module that defines them.

Helpers are plain modules: tests/personas.py (PASSWORD, make_agent, portal_user,
file_ticket), tests/factories.py, tests/browser.py, tests/servers.py (requires_server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests import writers
from tests.browser import Browser, open_browser
from tests.factories import World, build_world
from tests.personas import Agents, Customers, build_agents, build_customers
from zayavka.core import refcache


@pytest.fixture(scope="session", autouse=True)
def _ticket_writers_guard() -> Iterator[None]:
    from django.db import connections

    uninstall = writers.install(connections)
    yield
    uninstall()


@pytest.fixture(autouse=True)
def _only_actions_write_tickets(_ticket_writers_guard: None) -> Iterator[None]:
    writers.violations.clear()
    yield
    found, writers.violations[:] = list(writers.violations), []
    if found:
        pytest.fail(
            "ticket models written outside zayavka/tickets/actions/:\n"
            + "\n".join(sorted({str(v) for v in found})),
            pytrace=False,
        )


def pytest_report_header() -> str:
    from django.conf import settings

    engine = str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
    return f"zayavka: database={engine} CI={os.environ.get('CI', '')}"


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Attachments and raw inputs of each test go to its own directory."""
    settings.MEDIA_ROOT = tmp_path / "files"
    refcache.clear()  # rows cached by an earlier test were rolled back with it
    cache.clear()  # counters (rate limits) of an earlier test
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Real hashing costs a second per password on a busy machine; these are test users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def in_english() -> Iterator[None]:
    """Tests read English labels, whatever the Russian catalogue holds meanwhile."""
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> Client:
    """Replaces pytest-django's `client`: this one asks for English pages."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def plain_client() -> Client:
    """pytest-django's `client` as it was: no language asked, the site's default answers."""
    return Client()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def agents(world: World) -> Agents:
    return build_agents(world)


@pytest.fixture
def customers(world: World) -> Customers:
    return build_customers(world)


# --- A real browser against a live server ------------------------------------------------

DESKTOP = {"width": 1360, "height": 900}


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright: an agent's desktop, in English."""
    with open_browser(
        live_server, monkeypatch, prefix="workspace", locale="en-GB", viewport=DESKTOP
    ) as browser:
        yield browser


@pytest.fixture
def russian_browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """The same, asking for Russian pages."""
    with open_browser(
        live_server, monkeypatch, prefix="workspace-ru", locale="ru-RU", viewport=DESKTOP
    ) as browser:
        browser.lang = "ru"
        yield browser


@pytest.fixture
def phone_browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Debian's Chromium, headless, in Russian, 390 pixels wide like a phone."""
    with open_browser(
        live_server,
        monkeypatch,
        prefix="portal",
        locale="ru-RU",
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "ru"},
    ) as browser:
        browser.lang, browser.phone = "ru", True
        yield browser


SCREENS = [
    ("ru", {"width": 1366, "height": 768}),
    ("en", {"width": 1366, "height": 768}),
    ("ru", {"width": 390, "height": 844}),
    ("en", {"width": 390, "height": 844}),
]


@pytest.fixture(params=SCREENS, ids=[f"{lang}-{size['width']}" for lang, size in SCREENS])
def screen(
    request: pytest.FixtureRequest, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Browser]:
    """Each language at a desktop's and at a phone's width (see the note above)."""
    lang, size = request.param
    with open_browser(
        live_server,
        monkeypatch,
        prefix=f"screen-{lang}-{size['width']}",
        locale="ru-RU" if lang == "ru" else "en-GB",
        viewport=size,
        extra_http_headers={"Accept-Language": lang},
    ) as browser:
        browser.lang = lang
        browser.phone = size["width"] < 600
        yield browser
