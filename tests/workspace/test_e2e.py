"""The agent's day in a real browser: sign in, find a ticket by a word of the thread,
reply with a file, add a note, hand it to a colleague, resolve it. Screenshots of the
main screens are kept (ZAYAVKA_TEST_ARTIFACTS, else var/test-artifacts/)."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.tickets.models import EventKind, Message, Outbox, StatusCategory, Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_agent_finds_answers_hands_over_and_resolves_a_ticket(
    agents: Agents, browser: Browser
) -> None:
    from playwright.sync_api import FilePayload, expect

    w = agents.world
    ticket = file_ticket(
        w,
        "Не открывается интернет-магазин",
        "Добрый день! С утра romashka-shop.ru отдаёт ошибку 502 Bad Gateway.",
        team=w.team,
        category=w.category,
        contract=w.romashka_contract,
        fields={"site_domain": "romashka-shop.ru"},
    )
    file_ticket(w, "Не уходит почта из Outlook", "Ошибка 0x800CCC0F")
    file_ticket(w, "Сбросить пароль в 1С", "Пользователь Бухгалтер2")
    page = browser.page

    browser.open("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login/\?next=/desk/$"))
    page.get_by_label("Login").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    browser.screenshot("01-sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()
    # The queues' counts arrive after the page, in a request of their own.
    expect(page.locator("#queue-nav a[href='/desk/q/open/'] .count")).to_have_text("3")

    search = page.get_by_role("searchbox", name="Search tickets")
    search.fill("Bad Gateway")
    search.press("Enter")
    expect(page.get_by_role("heading", name="All tickets")).to_be_visible()
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Не открывается интернет-магазин")
    browser.screenshot("02-search")

    rows.first.get_by_role("link", name="Не открывается интернет-магазин").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.display_number)
    expect(page.get_by_role("alert").first).to_contain_text("not verified")
    browser.screenshot("03-ticket")

    page.get_by_label("Reply to the requester").fill("Перезапустили nginx, проверьте, пожалуйста.")
    log: FilePayload = {
        "name": "nginx.log",
        "mimeType": "text/plain",
        "buffer": b"upstream restarted\n",
    }
    page.locator("#reply-files").set_input_files([log])
    page.get_by_role("button", name="Send and update").click()
    thread = page.locator(".thread")
    expect(thread).to_contain_text("Перезапустили nginx")
    expect(thread.get_by_role("link", name="nginx.log")).to_be_visible()

    page.get_by_label("Internal note").fill("Клиент на связи до 19:00, звонить Олегу.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".message.kind-note")).to_contain_text("звонить Олегу")

    page.get_by_label("Assignee").select_option(label="Boris")
    page.get_by_role("button", name="Send and update").click()
    expect(page.locator(".messages")).to_contain_text("Assignment changed")

    page.get_by_label("Status", exact=True).select_option(label="Resolved")
    page.get_by_role("button", name="Send and update").click()
    expect(page.locator(".ticket-head .badge")).to_have_text("Resolved")
    history = page.locator(".history")
    for step in (
        "reply to the requester",
        "internal note",
        "Assigned",
        "nobody → Boris",
        "Status changed",
        "In progress → Resolved",
    ):
        expect(history).to_contain_text(step)
    browser.screenshot("04-ticket-resolved")

    page.get_by_role("link", name=re.compile("Resolved and closed")).click()
    expect(page.locator("table.tickets")).to_contain_text("Не открывается интернет-магазин")
    browser.screenshot("05-queue")

    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.RESOLVED
    assert ticket.assignee == agents.boris
    reply = Outbox.objects.get(template="agent_reply")
    assert reply.recipient == "o.smirnov@romashka.ru"
    assert reply.context["text"] == "Перезапустили nginx, проверьте, пожалуйста."
    assert reply.context["attachments"] == ["nginx.log"]
    assert Outbox.objects.filter(template="ticket_resolved").exists()
    thread_kinds = list(
        ticket.messages.filter(author_user=agents.anna).values_list("kind", flat=True)
    )
    assert thread_kinds == [Message.Kind.REPLY, Message.Kind.NOTE]
    kinds = set(ticket.events.filter(actor_user=agents.anna).values_list("kind", flat=True))
    assert {EventKind.MESSAGE, EventKind.ASSIGNED, EventKind.STATUS} <= kinds
    assert Ticket.objects.filter(pk=ticket.pk, first_responded_at__isnull=False).exists()
