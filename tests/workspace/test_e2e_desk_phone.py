"""The agent's desk on a phone (390x844) and on a desktop (1366x768), in Russian and
English, in a real browser: the queues fold away behind a menu button, the queue is a
list of cards, the ticket page is one column with the reply box at hand, and no page
scrolls sideways. Also the layout bugs of the ticket page and the phone form.

Screenshots: var/test-artifacts/screen-<lang>-<width>-desk-*.png."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.tickets.models import Category, CategoryField, Message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in(screen: Browser, username: str = "anna") -> None:
    from playwright.sync_api import expect

    page = screen.page
    screen.open("/desk/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/desk/(q/mine/)?$"))


def test_the_desk_works_on_a_phone_menu_cards_one_column_and_the_reply_at_hand(
    agents: Agents, screen: Browser
) -> None:
    from playwright.sync_api import expect

    w = agents.world
    ticket = file_ticket(
        w,
        "Не открывается интернет-магазин romashka-shop.ru после обновления модулей оплаты",
        "С утра https://romashka-shop.ru/catalog/a/long/path/that/does/not/wrap отдаёт 502.",
        team=w.team,
        category=w.category,
        contract=w.romashka_contract,
    )
    for n in range(3):
        file_ticket(w, f"Не уходит почта {n}", "Ошибка 0x800CCC0F", team=w.team)
    page = screen.page
    sign_in(screen)
    screen.open("/desk/q/open/")
    menu = page.locator("#ws-menu-toggle")
    queues = page.locator("#queue-nav")
    if screen.phone:
        # The queues are folded away: the tickets come first.
        expect(menu).to_be_visible()
        expect(queues).to_be_hidden()
        first = page.locator("table.tickets tbody tr").first.bounding_box()
        assert first is not None and first["y"] < 844, "the first ticket is below the first screen"
        screen.assert_fits()
        screen.screenshot("desk-01-queue")
        menu.click()
        expect(queues).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "true")
        screen.screenshot("desk-02-menu")
        menu.click()
        expect(queues).to_be_hidden()
    else:
        expect(menu).to_be_hidden()
        expect(queues).to_be_visible()
        screen.assert_fits()
        screen.screenshot("desk-01-queue")
    # Each ticket is one card (a row), its subject a link, its status a badge.
    row = page.locator("table.tickets tbody tr", has_text="Не открывается интернет-магазин")
    expect(row.locator(".badge")).to_be_visible()
    row.get_by_role("link", name=re.compile("Не открывается")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.display_number)
    screen.assert_fits()
    screen.screenshot("desk-03-ticket")

    # The reply box is reachable and works.
    reply = page.locator("#id_reply-text")
    reply.scroll_into_view_if_needed()
    box = reply.bounding_box()
    assert box is not None and box["width"] >= (300 if screen.phone else 400)
    reply.fill("Олег, перезапустили сервер, проверьте, пожалуйста.")
    page.locator("form.form-reply button[type=submit]").click()
    expect(page.locator(".thread")).to_contain_text("перезапустили сервер")
    assert Message.objects.filter(ticket=ticket, text__contains="перезапустили").exists()
    screen.assert_fits()


def test_the_ticket_pages_category_fields_have_their_labels_above_them(
    agents: Agents, screen: Browser
) -> None:

    w = agents.world
    mail = Category.objects.create(slug="mail", name_ru="Почта", name_en="Mail", team=w.team)
    CategoryField.objects.create(
        category=mail, key="mailbox", label_ru="Почтовый ящик", label_en="Mailbox", position=1
    )
    CategoryField.objects.create(
        category=mail,
        key="error",
        label_ru="Текст ошибки",
        label_en="Error text",
        kind=CategoryField.Kind.TEXTAREA,
        position=2,
    )
    ticket = file_ticket(w, "Не уходит почта", "Ошибка 0x800CCC0F", team=w.team, category=mail)
    page = screen.page
    sign_in(screen)
    screen.open(f"/desk/t/{ticket.number}/")
    for label in (screen.t("Почтовый ящик", "Mailbox"), screen.t("Текст ошибки", "Error text")):
        field = page.get_by_label(label, exact=True)
        field.scroll_into_view_if_needed()
        label_box = page.locator("label", has_text=label).bounding_box()
        field_box = field.bounding_box()
        assert label_box and field_box
        assert field_box["y"] >= label_box["y"] + label_box["height"] - 1, f"{label}: not below"
        assert abs(field_box["x"] - label_box["x"]) < 2, f"{label}: not aligned with its label"
    screen.assert_fits()
    screen.screenshot("desk-04-ticket-fields")


def test_the_phone_forms_email_stays_a_field_when_it_is_wrong(
    agents: Agents, screen: Browser
) -> None:
    from playwright.sync_api import expect

    page = screen.page
    sign_in(screen)
    screen.open("/desk/new/phone/")
    # No caller picked and no new caller's name: the server sends the form back.
    page.locator("#id_new_email").fill("p.ivanov@example.com")  # the phone is missing
    page.locator("#id_subject").fill("Звонок")
    page.locator("#id_description").fill("Не работает почта")
    page.locator("form.call-form > button[type=submit]").click()
    expect(page.locator(".call-form .errors").first).to_be_visible()
    email = page.locator("#id_new_email")
    expect(email).to_have_value("p.ivanov@example.com")
    # Each box keeps a text field's shape beside the errors of its neighbours.
    one_line = page.locator("#id_subject").bounding_box()
    for name in ("#id_new_name", "#id_new_phone", "#id_new_email"):
        box = page.locator(name).bounding_box()
        assert box and one_line
        assert abs(box["height"] - one_line["height"]) < 2, f"{name} is {box}"
        assert box["width"] >= 200, f"{name} is {box}"
    screen.assert_fits()
    screen.screenshot("desk-05-phone-form-error")
