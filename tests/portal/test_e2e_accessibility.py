"""The main pages of the portal and the desk, checked by axe-core in a real browser, in
Russian and English, on a desktop and a phone: no serious or critical violation (status
badges readable at 4.5:1, every field labelled, a skip link to the content)."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Customers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def check(screen: Browser, path: str, problems: dict[str, list[str]]) -> None:
    screen.open(path)
    found = screen.accessibility_problems()
    if found:
        problems[path] = found


def test_the_main_pages_have_no_serious_accessibility_problem(
    customers: Customers, screen: Browser
) -> None:
    from playwright.sync_api import expect

    page = screen.page
    problems: dict[str, list[str]] = {}
    for path in ("/", "/portal/new/", "/portal/login/", "/portal/signup/", "/desk/login/"):
        check(screen, path, problems)

    # The skip link is the first thing the keyboard reaches, and leads to the content.
    screen.open("/portal/new/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=screen.t("Перейти к содержимому", "Skip to content"))
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))

    screen.open("/portal/login/")
    page.locator("#id_username").fill("o.smirnov@romashka.ru")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    for path in ("/portal/", f"/portal/t/{customers.ticket_a.number}/", "/portal/profile/"):
        check(screen, path, problems)

    page.context.clear_cookies()
    screen.open("/desk/login/")
    page.locator("#id_username").fill(customers.anna.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/desk/"))
    for path in (
        "/desk/q/all/",
        f"/desk/t/{customers.ticket_a.number}/",
        "/desk/new/phone/",
        "/desk/joins/",
    ):
        check(screen, path, problems)
    assert not problems, "\n".join(f"{p}: {'; '.join(found)}" for p, found in problems.items())
