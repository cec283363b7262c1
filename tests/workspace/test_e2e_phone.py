"""A call in a real browser: the agent finds the caller by the number they read out,
records the request, and the new ticket warns that a phone call verifies nobody.
Screenshots go where the other end-to-end test keeps them."""

from __future__ import annotations

import re

import pytest

from tests.browser import Browser
from tests.personas import PASSWORD, Agents
from zayavka.tickets.models import Ticket, Verification
from zayavka.workspace.models import CannedResponse

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_agent_records_a_call_from_a_known_caller(agents: Agents, browser: Browser) -> None:
    from playwright.sync_api import expect

    CannedResponse.objects.create(
        title="Confirm in writing",
        text="Oleg: write to us from your registered address, #{{ ticket_number }}.",
    )
    page = browser.page
    browser.open("/desk/login/")
    page.get_by_label("Login").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My open tickets")).to_be_visible()

    page.get_by_role("link", name="New ticket from a call").click()
    expect(page.get_by_role("heading", name="New ticket from a call")).to_be_visible()
    browser.htmx_ready()
    page.get_by_label("Find the caller by phone, email or name").fill("+7 921 555-01-11")
    caller = page.locator("#callers label.caller", has_text="Олег Смирнов")
    expect(caller).to_contain_text("ООО «Ромашка»")
    caller.get_by_role("radio").check()
    page.get_by_label("Subject").fill("Не открывается интернет-магазин")
    page.get_by_label("What the caller says").fill("Звонит Олег: сайт отдаёт 502 с утра.")
    page.get_by_label("Category").select_option(label="Site is not working")
    page.get_by_label("Urgency").select_option(label="Urgent")
    browser.screenshot("06-phone-call")
    page.get_by_role("button", name="Register the ticket").click()

    expect(page).to_have_url(re.compile(r"/desk/t/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Не открывается интернет-магазин")
    warning = page.get_by_role("alert").filter(has_text="not verified")
    expect(warning).to_contain_text("taken by phone")
    expect(page.locator(".thread")).to_contain_text("recorded by Anna")
    browser.screenshot("07-phone-ticket")

    # A canned response goes into the reply box, filled for this caller and ticket.
    reply = page.get_by_label("Reply to the requester")
    reply.fill("Олег, добрый день.")
    page.get_by_label("Canned response").select_option(label="Confirm in writing")
    page.get_by_role("button", name="Insert into the reply").click()
    expect(page.get_by_label("Reply to the requester")).to_have_value(
        re.compile(
            r"^Олег, добрый день\.\n\nOleg: write to us from your registered address, #\d+\.$"
        )
    )
    # What was swapped in is the panel's own, optional box: with it emptied, the panel
    # still sends a change of priority alone (a required box would block the submit).
    box = page.get_by_label("Reply to the requester")
    expect(box).to_have_attribute("placeholder", "A reply to the requester (optional)")
    assert box.get_attribute("required") is None
    box.fill("")
    panel = page.locator("#update-panel")
    panel.get_by_label("Priority").select_option("low")
    panel.get_by_role("button", name="Send and update").click()
    expect(page.get_by_text("Priority changed.")).to_be_visible()

    ticket = Ticket.objects.get()
    assert ticket.requester == agents.world.oleg
    assert ticket.channel == "phone"
    assert ticket.verification == Verification.NONE
    assert ticket.urgency == "high"
    assert ticket.priority.slug == "low"
