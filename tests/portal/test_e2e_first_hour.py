"""The first hour with the desk, as a new user meets it, in a real browser: in Russian
and English, on a desktop (1366x768) and a phone (390x844). Each test is a dead end or a
broken layout that was found, and now leads on.

Screenshots: var/test-artifacts/screen-<lang>-<width>-first-hour-*.png."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.core import signing

from tests.browser import Browser
from tests.personas import PASSWORD, Customers
from tests.portal.test_accounts import emailed_path
from zayavka.accounts.models import User
from zayavka.portal import membership
from zayavka.tickets import tokens
from zayavka.tickets.models import Category, CategoryField, Outbox

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class SignedLongAgo(signing.TimestampSigner):
    """Django's signer with its clock set back: a token that was made `age` ago."""

    def __init__(self, age: timedelta, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.age = age

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time() - self.age.total_seconds()))


def sign_in_to_portal(screen: Browser, email: str) -> None:
    page = screen.page
    screen.open("/portal/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()


def test_the_front_door_leads_a_client_to_the_portal_and_an_agent_to_the_queue(
    customers: Customers, screen: Browser
) -> None:
    from playwright.sync_api import expect

    page = screen.page
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    screen.open("/")
    page.wait_for_load_state("load")
    assert not missing, missing  # the icon included: no /favicon.ico 404
    door = page.locator("#front-door")
    expect(
        door.get_by_role("link", name=screen.t("Новая заявка", "New request"))
    ).to_have_attribute("href", "/portal/new/")
    expect(
        door.get_by_role("link", name=screen.t("База знаний", "Knowledge base"))
    ).to_have_attribute("href", "/kb/")
    screen.assert_fits()
    screen.screenshot("first-hour-01-front-door")

    door.get_by_role(
        "link", name=screen.t("Вход в клиентский портал", "Sign in to the client portal")
    ).click()
    sign_in_to_portal(screen, "o.smirnov@romashka.ru")
    expect(page).to_have_url(re.compile(r"/portal/$"))
    screen.open("/")
    # A signed-in client's front door leads to their requests, not only to «Sign out».
    door.get_by_role("link", name=screen.t("Мои заявки", "My requests")).click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    screen.screenshot("first-hour-02-client")

    page.context.clear_cookies()
    screen.open("/login/")
    page.locator("#id_username").fill(customers.anna.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/desk/(q/mine/)?$"))
    screen.open("/")
    expect(page).to_have_url(re.compile(r"/desk/(q/mine/)?$"))
    expect(page.locator("h1")).to_have_text(screen.t("Мои открытые заявки", "My open tickets"))


def test_the_admins_view_site_link_opens_the_desk(customers: Customers, browser: Browser) -> None:
    from playwright.sync_api import expect

    User.objects.create_superuser("root", "root@desk.example", PASSWORD)
    page = browser.page
    browser.open("/admin/login/")
    page.locator("#id_username").fill("root")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="View site").click()
    expect(page).to_have_url(re.compile(r"/desk/(q/mine/)?$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_web_form_shows_only_the_chosen_categorys_fields(
    customers: Customers, screen: Browser
) -> None:
    from playwright.sync_api import expect

    w = customers.world
    CategoryField.objects.create(
        category=w.category, key="site", label_ru="Адрес сайта", label_en="Site address"
    )
    mail = Category.objects.create(slug="mail", name_ru="Почта", name_en="Mail")
    CategoryField.objects.create(
        category=mail,
        key="error",
        label_ru="Текст ошибки",
        label_en="Error text",
        kind=CategoryField.Kind.TEXTAREA,
    )
    page = screen.page
    screen.open("/portal/new/")
    site = page.get_by_label(screen.t("Адрес сайта", "Site address"))
    error = page.get_by_label(screen.t("Текст ошибки", "Error text"))
    expect(site).to_be_hidden()
    expect(error).to_be_hidden()
    page.locator("#id_category").select_option(str(mail.pk))
    expect(error).to_be_visible()
    expect(site).to_be_hidden()
    page.locator("#id_category").select_option(str(w.category.pk))
    expect(site).to_be_visible()
    expect(error).to_be_hidden()
    screen.assert_fits()
    screen.screenshot("first-hour-03-web-form")


@pytest.mark.parametrize(
    ("link", "ours"),
    [
        ("confirm", "/portal/confirm/{}/"),
        ("ticket", "/portal/open/{}/"),
        ("rating", "/rate/{}/"),
    ],
)
def test_a_dead_emailed_link_says_so_in_the_readers_language_with_the_next_step(
    customers: Customers, screen: Browser, link: str, ours: str
) -> None:
    from playwright.sync_api import expect

    ticket = customers.ticket_a
    page = screen.page
    response = page.goto(screen.base_url + ours.format("forged-token"))
    assert response is not None and response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", screen.lang)
    alert = page.locator("#bad-link")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        screen.t("Ссылка не работает", "This link does not work")
    )
    if link == "confirm":
        step = screen.t("Прислать новую ссылку", "Send a new confirmation link")
    else:
        step = screen.t("Войти", "Sign in")
    expect(alert.get_by_role("link", name=step, exact=True)).to_be_visible()
    screen.assert_fits()
    screen.screenshot(f"first-hour-04-bad-{link}-link")

    # An old link: 410 Gone, and the same next step.
    day = timedelta(days=1)
    if link == "ticket":
        old = SignedLongAgo(tokens.TICKET_MAX_AGE + day, salt=tokens.TICKET_SALT)
        token = old.sign_object({"t": ticket.pk})
    elif link == "rating":
        old = SignedLongAgo(tokens.RATING_MAX_AGE + day, salt=tokens.RATING_SALT)
        token = old.sign_object({"t": ticket.pk, "r": ticket.created_at.isoformat()})
    else:
        old = SignedLongAgo(membership.CONFIRM_MAX_AGE + day, salt=membership.CONFIRM_SALT)
        token = old.sign_object({"u": customers.oleg.pk})
    response = page.goto(screen.base_url + ours.format(token))
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text(
        screen.t("Срок действия ссылки истёк", "This link has expired")
    )
    expect(alert.get_by_role("link", name=step, exact=True)).to_be_visible()


def test_a_choice_field_reads_in_one_language(customers: Customers, screen: Browser) -> None:
    from playwright.sync_api import expect

    w = customers.world
    CategoryField.objects.create(
        category=w.category,
        key="mail_direction",
        label_ru="Что не работает",
        label_en="What fails",
        kind=CategoryField.Kind.CHOICE,
        choices=[
            {"value": "sending", "ru": "отправка", "en": "sending"},
            {"value": "receiving", "ru": "получение", "en": "receiving"},
        ],
    )
    page = screen.page
    screen.open("/portal/new/")
    page.locator("#id_category").select_option(str(w.category.pk))
    choice = page.get_by_label(screen.t("Что не работает", "What fails"))
    expect(choice.locator("option")).to_have_text(
        ["—", screen.t("отправка", "sending"), screen.t("получение", "receiving")]
    )
    choice.select_option(label=screen.t("получение", "receiving"))
    expect(choice).to_have_value("receiving")


def test_the_web_form_offers_one_other(customers: Customers, screen: Browser) -> None:
    """The desk's «Other» category is the one "other": the empty choice asks to choose."""
    from playwright.sync_api import expect

    Category.objects.create(slug="other", name_ru="Другое", name_en="Other", position=9)
    page = screen.page
    screen.open("/portal/new/")
    options = page.locator("#id_category option")
    expect(options.first).to_have_text(screen.t("— выберите тему —", "— choose the topic —"))
    texts = options.all_inner_texts()
    others = [t for t in texts if screen.t("друг", "other") in t.lower()]
    assert others == [screen.t("Другое", "Other")], texts


def test_the_client_sign_in_speaks_of_the_email(customers: Customers, screen: Browser) -> None:
    from playwright.sync_api import expect

    page = screen.page
    screen.open("/portal/login/")
    expect(page.locator("label[for=id_username]")).to_contain_text(
        screen.t("Электронная почта", "Email")
    )
    page.locator("#id_username").fill("o.smirnov@romashka.ru")
    page.locator("#id_password").fill("not the password")
    page.locator("form.card button[type=submit]").click()
    error = page.locator("form.card .errors")
    expect(error).to_contain_text(screen.t("адрес электронной почты", "email"))
    expect(error).not_to_contain_text(screen.t("имя пользователя", "username"))
    screen.screenshot("first-hour-05-sign-in-error")


def test_each_menu_item_opens_the_page_of_its_name(customers: Customers, screen: Browser) -> None:
    from playwright.sync_api import expect

    page = screen.page

    def follow_each(menu: str) -> None:
        links = page.locator(f"{menu} a")
        for i in range(links.count()):
            link = page.locator(f"{menu} a").nth(i)
            if screen.phone and menu.startswith(".ws-nav"):
                # Each page comes with the menu folded (once htmx settled the swap).
                expect(page.locator("#ws-menu")).not_to_have_class(re.compile(r"\bopen\b"))
                page.locator("#ws-menu-toggle").click()
            name = link.inner_text().split("\n")[0].strip()
            link.click()
            expect(page.get_by_role("heading", level=1)).to_have_text(name)

    screen.open("/portal/new/")
    follow_each("nav.portal-nav")
    sign_in_to_portal(screen, "o.smirnov@romashka.ru")
    follow_each("nav.portal-nav")
    page.context.clear_cookies()
    screen.open("/desk/login/")
    page.locator("#id_username").fill(customers.anna.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    follow_each(".ws-nav .ws-menu")


def test_signing_up_redirects_and_the_confirmation_link_signs_in(
    customers: Customers, screen: Browser
) -> None:
    from playwright.sync_api import expect

    page = screen.page
    screen.open("/portal/signup/")
    page.locator("#id_name").fill("Ирина Новикова")
    page.locator("#id_email").fill("i.novikova@tulpan.example")
    page.locator("#id_password1").fill("очень длинный пароль 2026")
    page.locator("#id_password2").fill("очень длинный пароль 2026")
    page.locator("form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/signup/done/$"))
    expect(page.get_by_role("status")).to_contain_text("i.novikova@tulpan.example")
    page.reload()  # a GET: the form is not posted again
    expect(page.get_by_role("status")).to_contain_text("i.novikova@tulpan.example")
    assert Outbox.objects.filter(template="portal_confirm").count() == 1

    screen.open(emailed_path("portal_confirm", "i.novikova@tulpan.example"))
    expect(page.get_by_role("status")).to_be_visible()
    screen.screenshot("first-hour-06-confirmed")
    page.get_by_role("link", name=screen.t("Мои заявки", "My requests")).first.click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(screen.t("Мои заявки", "My requests"))
