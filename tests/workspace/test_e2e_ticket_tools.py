"""Two agents on one ticket in real browsers: each sees the other has it open, one
switches its category (the new form's fields appear, shared answers kept), removes a
link, and the other learns she is typing a reply."""

from __future__ import annotations

import time

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.tickets.actions.relations import relate_tickets
from zayavka.tickets.models import Category, CategoryField
from zayavka.workspace.models import TicketViewer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in(page: object, base_url: str, username: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(base_url + "/desk/login/")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()


def test_two_agents_on_one_ticket(agents: Agents, browser: Browser) -> None:
    from playwright.sync_api import expect

    w = agents.world
    CategoryField.objects.create(
        category=w.category, key="version", label_ru="Версия", label_en="Version"
    )
    mail = Category.objects.create(slug="mail", name_ru="Почта", name_en="Mail")
    CategoryField.objects.create(
        category=mail, key="version", label_ru="Версия", label_en="Version"
    )
    CategoryField.objects.create(
        category=mail,
        key="client",
        label_ru="Программа",
        label_en="Mail client",
        kind=CategoryField.Kind.CHOICE,
        choices=["Outlook", "Thunderbird"],
        required=True,
    )
    ticket = file_ticket(
        w, "Не уходит почта", team=w.team, category=w.category, fields={"version": "1.2"}
    )
    other = file_ticket(w, "Сбой хостинга", team=w.team)
    relate_tickets(ticket, other, "related", by=agents.anna)
    url = f"/desk/t/{ticket.number}/"

    anna = browser.page
    sign_in(anna, browser.base_url, "anna")
    anna.goto(browser.base_url + url)
    browser.htmx_ready()
    chromium = anna.context.browser
    assert chromium is not None
    second = chromium.new_context(timezone_id="Europe/Moscow", locale="en-GB")
    try:
        boris = second.new_page()
        sign_in(boris, browser.base_url, "boris")
        boris.goto(browser.base_url + url)
        expect(boris.locator("#presence")).to_contain_text("Also open: Anna (since")

        anna.get_by_label("Category").select_option(label="Mail")
        expect(anna.get_by_label("Mail client *")).to_be_visible()
        expect(anna.get_by_label("Version")).to_have_value("1.2")
        anna.get_by_label("Mail client *").select_option("Outlook")
        anna.get_by_role("button", name="Save category and fields").click()
        history = anna.locator(".history")
        expect(history).to_contain_text("Category: Site is not working → Mail")

        anna.get_by_role("button", name=f"Remove the link to #{other.display_number}").click()
        expect(history).to_contain_text(f"Link removed: related to #{other.display_number}")
        browser.screenshot("09-ticket-tools")

        anna.get_by_label("Reply to the requester").fill("Проверяем настройки SMTP")
        # Her next heartbeat (every 20 s) brings Boris and says she is typing.
        expect(anna.locator("#presence")).to_contain_text("Boris (since", timeout=30_000)
        deadline = time.monotonic() + 30
        while not TicketViewer.objects.filter(user=agents.anna, composing=True).exists():
            assert time.monotonic() < deadline, "the heartbeat never said Anna was typing"
            time.sleep(0.5)
    finally:
        second.close()
