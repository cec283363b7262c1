"""Keyboard shortcuts in a real browser: walk a queue with j / k, open with Enter, jump to
the reply with r, take the ticket with t, go on to the next ticket with j."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_agent_works_a_queue_from_the_keyboard(agents: Agents, browser: Browser) -> None:
    from playwright.sync_api import expect

    w = agents.world
    for subject in ("Не уходит почта", "Сбросить пароль в 1С", "Принтер не печатает"):
        file_ticket(w, subject, "Текст заявки", team=w.team)
    page = browser.page
    browser.open("/desk/login/")
    page.get_by_label("Login").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    browser.open("/desk/q/open/?sort=number")
    page.wait_for_load_state("load")
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    first_number, second_number, third_number = (
        rows.nth(i).locator("td.num").inner_text().strip() for i in range(3)
    )
    browser.screenshot("08-keys-queue")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(second_number)
    page.wait_for_load_state("load")

    page.keyboard.press("r")
    expect(page.locator("#id_reply-text")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("t")
    expect(page.get_by_role("button", name="Take it")).to_have_count(0)
    taken = Ticket.objects.get(number=int(second_number.lstrip("#")))
    assert taken.assignee == agents.anna

    page.keyboard.press("j")
    expect(page.get_by_role("heading", level=1)).to_contain_text(third_number)
    page.wait_for_load_state("load")
    page.keyboard.press("k")
    expect(page.get_by_role("heading", level=1)).to_contain_text(second_number)
    page.wait_for_load_state("load")
    page.keyboard.press("k")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_number)


def test_the_shortcuts_work_on_the_russian_keyboard_layout(
    agents: Agents, russian_browser: Browser
) -> None:
    """On the Russian layout the key under "j" types "о", under "r" — "к": the shortcuts
    follow the key, not the letter."""
    from playwright.sync_api import expect

    w = agents.world
    for subject in ("Не уходит почта", "Сбросить пароль в 1С"):
        file_ticket(w, subject, "Текст заявки", team=w.team)
    page = russian_browser.page
    russian_browser.open("/desk/login/")
    page.locator("#id_username").fill("anna")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    russian_browser.open("/desk/q/open/?sort=number")
    page.wait_for_load_state("load")
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(2)

    def press(letter: str, code: str) -> None:
        # What a Russian keyboard sends: the Cyrillic letter, the key's place.
        page.dispatch_event("body", "keydown", {"key": letter, "code": code, "bubbles": True})

    press("о", "KeyJ")
    press("о", "KeyJ")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    number = rows.nth(1).locator("td.num").inner_text().strip()
    press("Enter", "Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    press("к", "KeyR")
    expect(page.locator("#id_reply-text")).to_be_focused()
