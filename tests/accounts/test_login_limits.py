"""Guessing passwords stops after a few failures: for one login name and from one client
address, on the portal's and the workspace's sign-in pages alike."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from tests.personas import PASSWORD, Customers

pytestmark = pytest.mark.django_db

PORTAL = "/portal/login/"
DESK = "/desk/login/"
OLEG = "o.smirnov@romashka.ru"


def sign_in(client: Client, url: str, username: str, password: str, **extra: Any) -> Any:
    return client.post(url, {"username": username, "password": password}, **extra)


def fail(client: Client, url: str, username: str, times: int, **extra: Any) -> None:
    for _n in range(times):
        page = sign_in(client, url, username, "wrong password", **extra)
        assert page.status_code == 200
        assert "Too many failed" not in page.content.decode()


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(("url", "persona"), [(PORTAL, OLEG), (DESK, "anna")])
def test_after_five_failures_even_the_right_password_is_refused(
    client: Client, customers: Customers, url: str, persona: str
) -> None:
    fail(client, url, persona, 5)
    page = sign_in(client, url, persona, PASSWORD)
    assert page.status_code == 429
    assert "Too many failed sign-in attempts; try again in 15 minutes." in page.content.decode()
    assert not signed_in(client)


@pytest.mark.parametrize(("url", "persona"), [(PORTAL, OLEG), (DESK, "anna")])
def test_fewer_failures_do_not_lock_and_a_success_signs_in(
    client: Client, customers: Customers, url: str, persona: str
) -> None:
    fail(client, url, persona, 4)
    page = sign_in(client, url, persona, PASSWORD)
    assert page.status_code == 302 and signed_in(client)


def test_the_name_is_locked_whatever_its_case_but_its_owner_elsewhere_gets_in(
    client: Client, customers: Customers
) -> None:
    """A stranger's five wrong guesses must not lock the agent out of the desk."""
    fail(client, DESK, "anna", 5, REMOTE_ADDR="198.51.100.1")
    page = sign_in(client, DESK, "ANNA", PASSWORD, REMOTE_ADDR="198.51.100.1")
    assert page.status_code == 429 and not signed_in(client)
    page = sign_in(client, DESK, "anna", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 302 and signed_in(client)


def test_guessing_one_name_from_many_addresses_is_slowed_not_locked(
    client: Client, customers: Customers, settings: Any
) -> None:
    settings.ZAYAVKA_LOGIN_FAILURES_PER_NAME = 6
    for n in range(3):
        fail(client, DESK, "anna", 2, REMOTE_ADDR=f"198.51.100.{n + 1}")
    page = sign_in(client, DESK, "anna", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 429 and not signed_in(client)
    assert page["Retry-After"] == "1"
    assert "wait 1 second and try again" in page.content.decode()
    time.sleep(1.1)
    page = sign_in(client, DESK, "anna", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 302 and signed_in(client)


def test_the_two_sign_in_pages_share_the_count(client: Client, customers: Customers) -> None:
    fail(client, PORTAL, "anna", 3)
    fail(client, DESK, "anna", 2)
    assert sign_in(client, PORTAL, "anna", PASSWORD).status_code == 429
    assert sign_in(client, DESK, "anna", PASSWORD).status_code == 429


def test_one_address_guessing_many_names_is_stopped(
    client: Client, customers: Customers, settings: Any
) -> None:
    settings.ZAYAVKA_LOGIN_FAILURES_PER_IP = 3
    for name in ("a@x.example", "b@x.example", "c@x.example"):
        fail(client, PORTAL, name, 1, REMOTE_ADDR="198.51.100.1")
    assert sign_in(client, PORTAL, OLEG, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 429
    other = sign_in(client, PORTAL, OLEG, PASSWORD, REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 302


def test_behind_a_trusted_proxy_clients_are_told_apart(
    client: Client, customers: Customers, settings: Any
) -> None:
    settings.ZAYAVKA_TRUSTED_PROXIES = ["10.0.0.1"]
    settings.ZAYAVKA_LOGIN_FAILURES_PER_IP = 2
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for name in ("a@x.example", "b@x.example"):
        fail(client, PORTAL, name, 1, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy)
    locked = sign_in(
        client, PORTAL, OLEG, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy
    )
    assert locked.status_code == 429
    other = sign_in(
        client, PORTAL, OLEG, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2", **via_proxy
    )
    assert other.status_code == 302


def test_a_forged_forwarded_header_does_not_escape_the_limit(
    client: Client, customers: Customers, settings: Any
) -> None:
    settings.ZAYAVKA_TRUSTED_PROXIES = ["10.0.0.1"]
    settings.ZAYAVKA_LOGIN_FAILURES_PER_IP = 2
    for n, name in enumerate(("a@x.example", "b@x.example")):
        fail(client, PORTAL, name, 1, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}")
    page = sign_in(
        client, PORTAL, OLEG, PASSWORD, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.1.1.9"
    )
    assert page.status_code == 429


def test_the_lock_ends_with_the_window(client: Client, customers: Customers, settings: Any) -> None:
    settings.ZAYAVKA_LOGIN_FAILURE_WINDOW = 1
    fail(client, PORTAL, OLEG, 5)
    locked = sign_in(client, PORTAL, OLEG, PASSWORD)
    assert locked.status_code == 429
    assert "try again in 1 minute." in locked.content.decode()
    time.sleep(1.5)
    assert sign_in(client, PORTAL, OLEG, PASSWORD).status_code == 302


def test_a_customers_right_password_on_the_desk_is_not_a_failure(
    client: Client, customers: Customers
) -> None:
    for _n in range(6):
        page = sign_in(client, DESK, OLEG, PASSWORD)
        assert page.status_code == 200 and "Clients use the portal" in page.content.decode()
    assert sign_in(client, PORTAL, OLEG, PASSWORD).status_code == 302


def test_the_lock_lasts_the_whole_window_not_the_caches_default_timeout(
    client: Client, customers: Customers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file cache stores an incremented count with its default 5 minutes."""
    start = time.time()
    fail(client, PORTAL, OLEG, 5)
    monkeypatch.setattr(time, "time", lambda: start + 10 * 60)
    assert sign_in(client, PORTAL, OLEG, PASSWORD).status_code == 429
    monkeypatch.setattr(time, "time", lambda: start + 16 * 60)
    assert sign_in(client, PORTAL, OLEG, PASSWORD).status_code == 302


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_the_other_sign_in_pages_share_the_limit(
    client: Client, customers: Customers, url: str
) -> None:
    """No page is left to guess on: the site's own sign-in and the admin's count too."""
    fail(client, DESK, "anna", 5)
    page = sign_in(client, url, "anna", PASSWORD)
    assert page.status_code == 429
    assert "Too many failed sign-in attempts; try again in 15 minutes." in page.content.decode()
    assert not signed_in(client)


def test_the_admins_sign_in_counts_its_own_failures(client: Client, agents: Any) -> None:
    """/admin/login/ is the desk's sign-in: its failures lock the other pages too."""
    fail(client, "/admin/login/", "root", 5)
    assert sign_in(client, "/admin/login/", "root", PASSWORD).status_code == 429
    assert sign_in(client, DESK, "root", PASSWORD).status_code == 429
    assert not signed_in(client)
