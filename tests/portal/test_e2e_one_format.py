"""The desk and the portal write a moment the same way in each language (one filter,
core/dates.py): the same message reads the same time on both sides."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Customers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FORMATS = {
    "ru": re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$"),
    "en": re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$"),
}


def test_the_desk_and_the_portal_write_a_moment_alike(
    customers: Customers, screen: Browser
) -> None:
    from playwright.sync_api import expect

    ticket = customers.ticket_a
    page = screen.page
    screen.open("/portal/login/")
    page.locator("#id_username").fill("o.smirnov@romashka.ru")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    listed = page.locator("table tbody tr").first.locator("td").last.inner_text().strip()
    screen.open(f"/portal/t/{ticket.number}/")
    portal_time = page.locator(".thread time").first.inner_text().strip()
    assert FORMATS[screen.lang].match(portal_time), portal_time
    assert FORMATS[screen.lang].match(listed), listed

    page.context.clear_cookies()
    screen.open("/desk/login/")
    page.locator("#id_username").fill(customers.anna.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    screen.open(f"/desk/t/{ticket.number}/")
    desk_time = page.locator(".thread .message time").first.inner_text().strip()
    assert desk_time == portal_time
    screen.open("/desk/q/all/")
    updated = page.locator("table.tickets tbody tr").first.locator("td time").last
    assert FORMATS[screen.lang].match(updated.inner_text().strip())
