"""Two-factor authentication in a real browser: an agent sets up her authenticator app
from the workspace (the code computed here from the secret the page shows, as the app
would), signs out, signs in with a code after the password; a recovery code works once.
Screenshots of the enrolment, the recovery codes and the code step, in English and
Russian, at a desktop's and a phone's width."""

from __future__ import annotations

import re
import time

import pytest

from tests.accounts.test_two_factor import code_for
from tests.browser import Browser
from tests.personas import PASSWORD, Agents

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in_with_password(browser: Browser, login: str, password: str, button: str) -> None:
    page = browser.page
    browser.open("/desk/")
    page.get_by_label(login).fill("anna")
    page.get_by_label(password).fill(PASSWORD)
    page.get_by_role("button", name=button).click()


def test_an_agent_turns_on_two_factor_and_signs_in_with_codes(
    agents: Agents, browser: Browser
) -> None:
    from playwright.sync_api import expect

    page = browser.page
    sign_in_with_password(browser, "Login", "Password", "Sign in")
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()

    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    browser.screenshot("2fa-01-enrol")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("The code the app shows now").fill(code_for(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    browser.screenshot("2fa-02-recovery-codes")

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(browser, "Login", "Password", "Sign in")
    expect(page.get_by_role("heading", name="Sign-in code")).to_be_visible()
    browser.screenshot("2fa-03-code-step")
    page.get_by_label("Code").fill(code_for(secret, 1))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()

    # Without the phone: a recovery code, once.
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(browser, "Login", "Password", "Sign in")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(browser, "Login", "Password", "Sign in")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("was used already")
    browser.screenshot("2fa-04-code-used")
    time.sleep(1.1)  # django-otp's wait after a wrong code
    page.get_by_label("Code").fill(codes[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/desk/q/mine/$"))


@pytest.mark.parametrize("fixture", ["russian_browser", "phone_browser"])
def test_the_enrolment_in_russian_on_a_desktop_and_a_phone(
    agents: Agents, fixture: str, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    browser: Browser = request.getfixturevalue(fixture)
    page = browser.page
    sign_in_with_password(browser, "Логин", "Пароль", "Войти")
    browser.open("/desk/security/")
    expect(page.get_by_role("heading", name="Двухфакторная аутентификация")).to_be_visible()
    browser.screenshot("2fa-01-enrol")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Код, который приложение показывает сейчас").fill(code_for(secret))
    page.get_by_role("button", name="Включить").click()
    expect(page.get_by_role("heading", name="Ваши резервные коды")).to_be_visible()
    browser.screenshot("2fa-02-recovery-codes")
