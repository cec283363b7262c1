"""An agent merges a stranger's ticket into a client's in a real browser: before
anything changes, the desk names the stranger and asks whether to let them in; left
unticked, they stay out of the client's ticket."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.factories import ContactFactory
from tests.personas import PASSWORD, Agents, file_ticket
from zayavka.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def merge_asks_first(agents: Agents, browser: Browser, merge_label: str) -> None:
    from playwright.sync_api import expect

    w = agents.world
    victim = file_ticket(w, "Доступ к бухгалтерии", "Пароль от 1С", team=w.team)
    stranger = ContactFactory.create(name="Посторонний", email="x@evil.example")
    flagged = file_ticket(w, "Re: Доступ к бухгалтерии", "и мне", team=w.team, requester=stranger)
    page = browser.page
    page.on("dialog", lambda dialog: dialog.accept())  # "Merge this ticket…?"
    browser.open("/desk/login/")
    page.locator("#id_username").fill("anna")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))
    browser.open(f"/desk/t/{flagged.number}/")
    browser.htmx_ready()
    page.locator("#merge-other").fill(str(victim.number))
    page.locator("#merge-other").press("Enter")
    confirm = page.locator("#merge-confirm")
    expect(confirm).to_be_visible()
    box = confirm.locator(f'input[name="give_access"][value="{stranger.pk}"]')
    expect(box).not_to_be_checked()
    expect(confirm).to_contain_text("Посторонний (x@evil.example)")
    confirm.scroll_into_view_if_needed()
    browser.screenshot("merge-confirm")
    page.set_viewport_size({"width": 390, "height": 844})
    browser.screenshot("merge-confirm-390")
    page.set_viewport_size({"width": 1360, "height": 900})
    confirm.get_by_role("button", name=merge_label).click()
    expect(page.locator("#merge-confirm")).to_have_count(0)
    flagged.refresh_from_db()
    assert flagged.merged_into_id == victim.pk
    assert not Ticket.objects.get(pk=victim.pk).participants.filter(pk=stranger.pk).exists()


def test_an_agent_merges_a_strangers_ticket_and_keeps_them_out(
    agents: Agents, browser: Browser
) -> None:
    merge_asks_first(agents, browser, "Merge into #")


def test_the_same_in_russian(agents: Agents, russian_browser: Browser) -> None:
    merge_asks_first(agents, russian_browser, "Объединить с #")
