"""The agent's day in Russian, in a real browser: every label the agent reads and
clicks is the Russian one, from signing in to resolving the ticket."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.tickets.models import StatusCategory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_agent_works_a_ticket_in_russian(agents: Agents, russian_browser: Browser) -> None:
    from playwright.sync_api import expect

    w = agents.world
    ticket = file_ticket(
        w, "Не печатает принтер", "Принтер в бухгалтерии выдаёт ошибку E-02.", team=w.team
    )
    file_ticket(w, "Не уходит почта", "Ошибка 0x800CCC0F")
    browser = russian_browser
    page = browser.page

    browser.open("/desk/")
    page.get_by_label("Логин").fill("anna")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", name="Мои открытые заявки")).to_be_visible()
    expect(page.locator("#queue-nav a[href='/desk/q/open/'] .count")).to_have_text("2")

    search = page.get_by_role("searchbox", name="Поиск заявок")
    search.fill("E-02")
    search.press("Enter")
    expect(page.get_by_role("heading", name="Все заявки")).to_be_visible()
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(1)
    browser.screenshot("01-search")

    rows.first.get_by_role("link", name="Не печатает принтер").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.display_number)
    page.get_by_label("Ответ заявителю").fill("Замените картридж, пожалуйста.")
    page.get_by_role("button", name="Отправить и сохранить").click()
    expect(page.locator(".thread")).to_contain_text("Замените картридж")

    page.get_by_label("Статус", exact=True).select_option(label="Решена")
    page.get_by_role("button", name="Отправить и сохранить").click()
    expect(page.locator(".ticket-head .badge")).to_have_text("Решена")
    expect(page.locator(".history")).to_contain_text("Изменён статус")
    browser.screenshot("02-ticket-resolved")

    page.get_by_role("link", name=re.compile("Решённые и закрытые")).click()
    expect(page.locator("table.tickets")).to_contain_text("Не печатает принтер")

    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.RESOLVED
