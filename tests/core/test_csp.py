"""Every page carries a Content-Security-Policy that allows our own files only: an
injected script or style would not run. The shared browser fixture fails any browser
test during which the policy refused something, so these pages are checked in use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.browser import Browser
from tests.personas import PASSWORD, Agents, Customers

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def policy(header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in filter(None, (part.strip() for part in header.split(";"))):
        name, _, value = part.partition(" ")
        found[name] = value
    return found


def test_every_kind_of_page_sends_the_policy(client: Client, agents: Agents) -> None:
    for url in ("/login/", "/portal/", "/portal/login/", "/admin/login/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert policy(response.headers["Content-Security-Policy"]) == EXPECTED, url
        assert "htmx" not in response.content.decode().split("<body", 1)[1], url
    client.force_login(agents.anna)
    response = client.get("/desk/", follow=True)
    assert response.status_code == 200
    assert policy(response.headers["Content-Security-Policy"]) == EXPECTED


def test_the_embeddable_form_may_be_framed_by_the_configured_sites_only(
    client: Client, world: object, settings: object
) -> None:
    settings.ZAYAVKA_EMBED_ORIGINS = ["https://www.romashka.ru"]  # type: ignore[attr-defined]
    framed = policy(client.get("/portal/new/?embed=1").headers["Content-Security-Policy"])
    assert framed == EXPECTED | {"frame-ancestors": "https://www.romashka.ru"}
    assert "X-Frame-Options" not in client.get("/portal/new/?embed=1").headers


def test_no_template_has_inline_scripts_styles_or_handlers() -> None:
    root = Path(__file__).resolve().parents[2] / "zayavka"
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|hx-on|javascript:")
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert found == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_browser_reports_a_refused_inline_style_and_htmx_adds_none(
    customers: Customers, phone_browser: Browser
) -> None:
    page = phone_browser.page
    phone_browser.open("/portal/login/")
    page.locator("#id_username").fill(customers.oleg.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal/$"))
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert "style" not in page.evaluate("htmx.config.attributesToSettle")
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert phone_browser.csp_violations == []
    # What an injection would do: the policy refuses it and the fixture notices.
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body{}';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert any("style-src" in text for text in phone_browser.csp_violations)
    phone_browser.csp_violations.clear()
