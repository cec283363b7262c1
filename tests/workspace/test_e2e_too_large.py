"""An agent attaches more than the desk accepts to a reply in a real browser: the post is
refused before its body is read (413), the reason is shown above the form, and the
typed reply is still there."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, file_ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_oversized_reply_is_refused_with_the_reason_and_the_text_kept(
    agents: Agents, russian_browser: Browser, settings: Any
) -> None:
    from playwright.sync_api import FilePayload, expect

    settings.ZAYAVKA_MAX_REQUEST_BYTES = 1024 * 1024
    ticket = file_ticket(agents.world, "Сайт не открывается", team=agents.world.team)
    page = russian_browser.page
    russian_browser.open("/desk/login/")
    page.locator("#id_username").fill("anna")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url("**/desk/**")
    russian_browser.open(f"/desk/t/{ticket.number}/")
    russian_browser.htmx_ready()
    page.locator("#id_reply-text").fill("Логи во вложении.")
    big = FilePayload(
        name="logs.bin", mimeType="application/octet-stream", buffer=b"\0" * 3_000_000
    )
    page.locator("#reply-files").set_input_files([big])
    page.locator("form.form-reply button[type=submit]").click()
    alert = page.locator("form.form-reply .too-large")
    expect(alert).to_contain_text("больше, чем 1,0")
    expect(page.locator("#id_reply-text")).to_have_value("Логи во вложении.")
    assert ticket.messages.count() == 1
    russian_browser.screenshot("reply-too-large")
