"""The knowledge base in a real browser: a client finds an article and marks it
helpful, a client typing a request is offered articles, an agent puts an article into
a reply. Russian and English, at a desktop's and a phone's width; screenshots go to
var/test-artifacts (kb-…)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import Browser, open_browser
from tests.kb.conftest import ARTICLES
from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.kb.actions.importing import load_articles
from zayavka.kb.models import Article, ArticleFeedback
from zayavka.kb.search import ARTICLES as INDEX
from zayavka.kb.stats import deflections
from zayavka.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo_kb(agents: Agents) -> Iterator[None]:
    """The demo's knowledge base (and the fixture articles, the internal one among
    them); the index is emptied afterwards: a flush between tests does not reach it."""
    assert load_articles().errors == []
    assert load_articles(ARTICLES).errors == []
    yield
    INDEX.clear()


@pytest.fixture
def english_phone(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    with open_browser(
        live_server,
        monkeypatch,
        prefix="kb-en-phone",
        locale="en-GB",
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "en"},
    ) as browser:
        yield browser


def test_a_client_finds_an_article_and_marks_it_helpful(
    demo_kb: None, phone_browser: Browser
) -> None:
    from playwright.sync_api import expect

    browser, page = phone_browser, phone_browser.page
    browser.prefix = "kb-ru-phone"
    browser.open("/portal/new/")
    page.locator(".portal-nav a[href='/kb/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("База знаний")
    expect(page.locator(".kb-sections")).to_contain_text("Почта")
    browser.screenshot("01-index")
    page.get_by_role("searchbox").fill("аутлук не получает почту 0x800CCC0F")
    page.locator(".kb-search button").click()
    first = page.locator(".kb-hits li").first
    expect(first).to_contain_text("Outlook: ошибка 0x800CCC0F")
    browser.screenshot("02-search")
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("0x800CCC0F")
    expect(page.locator(".kb-feedback h2")).to_have_text("Статья помогла?")
    browser.screenshot("03-article")
    page.get_by_role("button", name="Помогло", exact=True).click()
    expect(page.locator(".kb-feedback h2")).to_have_text("Спасибо! Рады, что статья помогла.")
    browser.screenshot("04-helped")
    article = Article.objects.get(slug="outlook-0x800ccc0f")
    assert (article.helpful, article.views) == (1, 1)
    assert ArticleFeedback.objects.get().placement == "page"


def test_a_client_typing_a_request_is_helped_by_a_suggested_article(
    demo_kb: None, russian_browser: Browser
) -> None:
    from playwright.sync_api import expect

    browser, page = russian_browser, russian_browser.page
    browser.prefix = "kb-ru"
    browser.open("/portal/new/")
    browser.htmx_ready()
    page.locator("#id_subject").fill("Не работает VPN")
    page.locator("#id_description").press_sequentially("при подключении ошибка 809", delay=20)
    suggestions = page.locator(".kb-suggestions")
    expect(suggestions).to_contain_text("809")
    expect(suggestions).not_to_contain_text("для инженеров")  # internal articles stay out
    browser.screenshot("05-suggestions")
    suggestions.get_by_role("button", name="Это решило мою проблему").first.click()
    expect(page.locator(".kb-solved")).to_contain_text("Заявку отправлять не нужно")
    browser.screenshot("06-suggestion-helped")
    assert deflections() == 1


def test_an_agent_inserts_an_article_into_a_reply(
    demo_kb: None, agents: Agents, russian_browser: Browser
) -> None:
    from playwright.sync_api import expect

    ticket = file_ticket(
        agents.world,
        "Outlook не принимает почту",
        "Выскакивает ошибка 0x800CCC0F",
        team=agents.world.team,
    )
    browser, page = russian_browser, russian_browser.page
    browser.prefix = "kb-ru"
    browser.open("/desk/")
    page.get_by_label("Логин").fill("anna")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    browser.open(f"/desk/t/{ticket.number}/")
    browser.htmx_ready()
    picker = page.get_by_label("Статья базы знаний")
    expect(picker.locator("option").first).to_contain_text("0x800CCC0F")
    page.get_by_label("Ответ заявителю").fill("Здравствуйте! Посмотрите, пожалуйста:")
    page.locator("form.article-form").get_by_role("button", name="Вставить в ответ").click()
    reply = page.get_by_label("Ответ заявителю")
    expect(reply).to_have_value(
        re.compile(
            r"^Здравствуйте! Посмотрите, пожалуйста:\n\n"
            r"«Outlook: ошибка 0x800CCC0F при получении почты»: http\S*/kb/outlook-0x800ccc0f/$"
        )
    )
    browser.screenshot("07-reply-with-article")
    page.get_by_role("button", name="Отправить и сохранить").click()
    expect(page.locator(".message.dir-out")).to_contain_text("/kb/outlook-0x800ccc0f/")
    sent = Message.objects.filter(ticket=ticket, direction=Message.Direction.OUTBOUND).get()
    assert "/kb/outlook-0x800ccc0f/" in sent.text

    page.locator(".ws-nav a[href='/desk/kb/']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("База знаний")
    browser.screenshot("08-desk-list")
    page.get_by_role("link", name="Outlook: ошибка 0x800CCC0F при получении почты").click()
    expect(page.get_by_label("Заголовок по-русски")).to_have_value(
        "Outlook: ошибка 0x800CCC0F при получении почты"
    )
    browser.screenshot("09-desk-editor")


def test_an_english_reader_gets_the_english_version_on_a_phone(
    demo_kb: None, english_phone: Browser
) -> None:
    from playwright.sync_api import expect

    english_phone.open("/kb/outlook-0x800ccc0f/")
    expect(english_phone.page.get_by_role("heading", level=1)).to_have_text(
        "Outlook: error 0x800CCC0F when receiving mail"
    )
    expect(english_phone.page.locator(".kb-feedback h2")).to_have_text("Did this article help?")
    english_phone.screenshot("01-article")
    english_phone.open("/kb/")
    english_phone.screenshot("02-index")


def test_the_knowledge_base_in_english_on_a_desktop(
    demo_kb: None, agents: Agents, browser: Browser
) -> None:
    from playwright.sync_api import expect

    browser.prefix = "kb-en"
    page = browser.page
    browser.open("/kb/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge base")
    browser.screenshot("01-index")
    browser.open("/kb/c/mail/")
    browser.screenshot("02-section")
    browser.open("/desk/")
    page.get_by_label("Login").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    browser.open("/desk/kb/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New article")
    browser.screenshot("03-desk-new")
    browser.open("/desk/kb/failing/")
    browser.screenshot("04-desk-failing")
