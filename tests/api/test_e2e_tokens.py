"""In a real browser: an agent makes an API token on its page (English desktop, Russian
desktop, Russian phone), and the interactive docs draw the API from the desk's own
files."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents
from zayavka.api.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _make_token(browser: Browser, *, name: str, make: str) -> None:
    from playwright.sync_api import expect

    page = browser.page
    browser.open("/desk/login/")
    page.locator("#id_username").fill("anna")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state("load")
    browser.open("/desk/api-tokens/")
    page.locator("#id_name").fill(name)
    page.locator("input[value='tickets:write']").check()
    page.locator("button", has_text=make).click()
    page.wait_for_load_state("load")
    expect(page.locator("#new-token")).to_have_text(re.compile(r"^zv_[0-9a-f]{12}_"))


def test_an_agent_makes_a_token_in_english(agents: Agents, browser: Browser) -> None:
    _make_token(browser, name="CRM sync", make="Make a token")
    browser.screenshot("api-tokens")
    assert ApiToken.objects.get(user=agents.anna).scopes == ["tickets:read", "tickets:write"]


def test_an_agent_makes_a_token_in_russian(agents: Agents, russian_browser: Browser) -> None:
    _make_token(russian_browser, name="Выгрузка", make="Создать токен")
    russian_browser.screenshot("api-tokens")


def test_the_token_page_on_a_phone(agents: Agents, phone_browser: Browser) -> None:
    _make_token(phone_browser, name="Телефон", make="Создать токен")
    phone_browser.screenshot("api-tokens")


def test_the_docs_draw_the_api_without_a_cdn(browser: Browser) -> None:
    from playwright.sync_api import expect

    outside: list[str] = []
    browser.page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(browser.base_url) else None
        ),
    )
    browser.open("/api/v1/docs")
    expect(browser.page.locator(".swagger-ui .title")).to_contain_text("Zayavka API")
    expect(browser.page.get_by_text("/api/v1/tickets/{number}").first).to_be_visible()
    browser.screenshot("api-docs")
    assert outside == []
