"""The ticket page as the agent works it, in a real browser: the menu's counts follow a
change made on the page, and beside the ticket stand the requester's other tickets and
the organization's open ones."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.factories import ContactFactory
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


def test_beside_the_ticket_stand_the_requesters_and_the_organizations_tickets(
    agents: Agents, screen: Browser
) -> None:
    from playwright.sync_api import expect

    w = agents.world
    ticket = file_ticket(w, "Не уходит почта", "Ошибка 0x800CCC0F", team=w.team)
    earlier = file_ticket(w, "Сбросить пароль в 1С", "Пользователь Бухгалтер2", team=w.team)
    colleague = ContactFactory.create(name="Ирина Белова", organization=w.romashka)
    theirs = file_ticket(w, "Принтер не печатает", "Замятие", team=w.team, requester=colleague)
    hidden = file_ticket(w, "Взлом почты", "Секрет", team=agents.security, requester=colleague)
    manager = file_ticket(w, "Счёт за декабрь", "Текст", requester=w.maria)
    page = screen.page
    sign_in(screen)
    screen.open(f"/desk/t/{ticket.number}/")
    beside = page.locator("#nearby")
    expect(beside.get_by_role("link", name=f"#{earlier.display_number}")).to_be_visible()
    expect(beside.get_by_role("link", name=f"#{theirs.display_number}")).to_be_visible()
    expect(beside).not_to_contain_text(hidden.subject)  # a restricted team's: not Anna's to see
    expect(beside).not_to_contain_text(ticket.subject)
    expect(beside.get_by_role("link", name=f"#{manager.display_number}")).to_be_visible()
    screen.assert_fits()
    screen.screenshot("desk-06-beside-the-ticket")


def test_one_submit_sends_the_reply_and_changes_status_priority_and_assignee(
    agents: Agents, browser: Browser
) -> None:
    from playwright.sync_api import expect

    w = agents.world
    ticket = file_ticket(w, "Не уходит почта", "Ошибка 0x800CCC0F", team=w.team)
    page = browser.page
    sign_in(browser)
    browser.open(f"/desk/t/{ticket.number}/")
    browser.htmx_ready()
    panel = page.locator("#update-panel")
    panel.get_by_label("Reply to the requester").fill("Проверьте настройки SMTP, пожалуйста.")
    panel.get_by_label("Status", exact=True).select_option(label="Waiting for requester")
    panel.get_by_label("Priority").select_option(label="High")
    panel.get_by_label("Assignee").select_option(label="Anna")
    buttons = panel.locator("button")
    expect(buttons).to_have_count(1)  # one submit, the primary one
    expect(buttons).to_have_class(re.compile(r"\bprimary\b"))
    browser.screenshot("09-update-panel")
    buttons.click()
    expect(page.locator(".thread")).to_contain_text("Проверьте настройки SMTP")
    expect(page.locator(".ticket-head .badge")).to_have_text("Waiting for requester")
    history = page.locator(".history")
    for step in ("Priority changed", "Assigned", "reply to the requester", "Status changed"):
        expect(history).to_contain_text(step)
    ticket.refresh_from_db()
    assert (ticket.priority.slug, ticket.assignee, ticket.state) == (
        "high",
        agents.anna,
        "pending",
    )
