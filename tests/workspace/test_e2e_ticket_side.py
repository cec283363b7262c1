"""The ticket page as the agent works it, in a real browser: the menu's counts follow a
change made on the page, and beside the ticket stand the requester's other tickets and
the organization's open ones."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, file_ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in(screen: Browser) -> None:
    from playwright.sync_api import expect

    page = screen.page
    screen.open("/desk/login/")
    page.locator("#id_username").fill("anna")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/desk/"))


def test_the_menus_counts_follow_a_change_on_the_ticket_page(
    agents: Agents, browser: Browser
) -> None:
    from playwright.sync_api import expect

    w = agents.world
    ticket = file_ticket(w, "Не уходит почта", "Ошибка 0x800CCC0F", team=w.team)
    page = browser.page
    sign_in(browser)
    browser.open(f"/desk/t/{ticket.number}/")
    mine = page.locator("#queue-nav a[href='/desk/q/mine/'] .count")
    unassigned = page.locator("#queue-nav a[href='/desk/q/unassigned/'] .count")
    expect(mine).to_have_text("0")
    expect(unassigned).to_have_text("1")
    browser.htmx_ready()
    page.locator("[data-shortcut=take]").click()
    expect(page.locator("#ticket")).to_contain_text("Anna")
    # No reload: the counts came again after the change.
    expect(mine).to_have_text("1")
    expect(unassigned).to_have_text("0")
