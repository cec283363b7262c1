"""A client's first day in a real browser, in Russian, on a phone-sized screen: sign up,
confirm by the emailed link, file a request with a file, find it in the list, reply,
and rate the solution. Screenshots go to ZAYAVKA_TEST_ARTIFACTS (else var/test-artifacts/).

Selectors are ids and names, not words: the interface text is translated separately."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.factories import World
from tests.personas import PASSWORD as CLIENT_PASSWORD
from tests.personas import Customers
from tests.portal.test_accounts import emailed_path
from zayavka.accounts.models import User
from zayavka.tickets import catalog
from zayavka.tickets.actions.tickets import change_status
from zayavka.tickets.models import Message, StatusCategory, Ticket, TicketRating

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "очень длинный пароль 2026"


def test_a_client_signs_up_files_a_request_replies_and_rates(
    world: World, phone_browser: Browser
) -> None:
    from playwright.sync_api import FilePayload, expect

    page = phone_browser.page
    phone_browser.open("/portal/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator("#id_name").fill("Ирина Новикова")
    page.locator("#id_email").fill("i.novikova@romashka.ru")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    phone_browser.screenshot("01-sign-up")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text("i.novikova@romashka.ru")

    phone_browser.open(emailed_path("portal_confirm", "i.novikova@romashka.ru"))
    expect(page.get_by_role("status")).to_be_visible()
    assert User.objects.get(email="i.novikova@romashka.ru").is_active
    phone_browser.screenshot("02-confirmed")

    phone_browser.open("/portal/login/")
    page.locator("#id_username").fill("i.novikova@romashka.ru")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))

    phone_browser.open("/portal/new/")
    expect(page.locator("#id_name")).to_have_value("Ирина Новикова")
    page.locator("#id_company").fill("ООО «Ромашка»")
    page.locator("#id_phone").fill("+7 921 555-02-22")
    page.locator("#id_category").select_option(str(world.category.pk))
    page.locator("#id_urgency").select_option("high")
    page.locator("#id_subject").fill("Не открывается интернет-магазин")
    page.locator("#id_description").fill("С утра romashka-shop.ru отдаёт ошибку 502.")
    shot: FilePayload = {"name": "ошибка.png", "mimeType": "image/png", "buffer": b"\x89PNG 502"}
    page.locator("#id_attachments").set_input_files([shot])
    phone_browser.screenshot("03-new-request")
    page.locator("form.card button[type=submit]").click()
    ticket = Ticket.objects.get(subject="Не открывается интернет-магазин")
    expect(page.get_by_role("status")).to_contain_text(ticket.display_number)
    assert ticket.verification == "authenticated"
    assert ticket.attachments.get().filename == "ошибка.png"
    phone_browser.screenshot("04-thanks")

    phone_browser.open("/portal/")
    row = page.locator("table tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("Не открывается интернет-магазин")
    phone_browser.screenshot("05-my-requests")

    row.first.get_by_role("link", name=ticket.display_number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.display_number)
    page.locator("#id_text").fill("Ошибка повторяется каждые 5 минут.")
    page.locator(f"form[action='/portal/t/{ticket.number}/reply/'] button").click()
    expect(page.locator(".thread")).to_contain_text("Ошибка повторяется каждые 5 минут.")
    reply = ticket.messages.get(text="Ошибка повторяется каждые 5 минут.")
    assert (reply.direction, reply.channel) == (Message.Direction.INBOUND, "portal")
    phone_browser.screenshot("06-ticket")

    change_status(Ticket.objects.get(pk=ticket.pk), catalog.status_for(StatusCategory.RESOLVED))
    page.reload()
    page.locator("input[name=score][value='5']").check()
    page.locator("#id_comment").fill("Спасибо, быстро!")
    page.locator(f"form[action='/portal/t/{ticket.number}/rate/'] button").click()
    expect(page.locator("input[name=score][value='5']")).to_be_checked()
    rating = TicketRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (5, "Спасибо, быстро!")
    phone_browser.screenshot("07-rated")

    # Nothing on the page is wider than the phone's screen.
    phone_browser.assert_fits()


def test_a_manager_sees_a_colleague_s_request_and_another_company_s_manager_does_not(
    customers: Customers, phone_browser: Browser
) -> None:
    from playwright.sync_api import expect

    page = phone_browser.page
    ticket = customers.ticket_b  # Irina's, at Romashka

    def sign_in(email: str) -> None:
        phone_browser.open("/portal/login/")
        page.locator("#id_username").fill(email)
        page.locator("#id_password").fill(CLIENT_PASSWORD)
        page.locator("form.card button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/portal/$"))

    sign_in("m.kuznetsova@romashka.ru")
    page.locator("#id_requester").select_option(str(customers.irina_contact.pk))
    page.locator("form.filters button[type=submit]").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Не уходит почта")
    phone_browser.screenshot("08-manager-list")
    rows.first.get_by_role("link", name=ticket.display_number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Не уходит почта")

    page.locator("nav.portal-nav form button").click()
    sign_in("p.vetrov@veter.ru")
    expect(page.locator("table tbody tr")).to_have_count(1)
    response = page.goto(f"{phone_browser.base_url}/portal/t/{ticket.number}/")
    assert response is not None and response.status == 404
