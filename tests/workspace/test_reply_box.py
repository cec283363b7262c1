"""The reply box of the update panel: what inserting a canned response or an article
swaps in is the panel's own box; and whether the agent hears that the reply went nowhere."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from tests.personas import Agents, file_ticket
from zayavka.accounts.models import Contact, ContactAddress
from zayavka.kb.models import Article
from zayavka.tickets.models import Outbox
from zayavka.tickets.notifications import requester_reachable
from zayavka.workspace.models import CannedResponse

pytestmark = pytest.mark.django_db

NO_EMAIL = "The requester has no email address: the reply was not sent."


def _box(html: str) -> str:
    """The reply box's opening tag."""
    found = re.search(r'<textarea[^>]*id="id_reply-text"[^>]*>', html)
    assert found is not None, html
    return found.group(0)


def test_an_inserted_response_or_article_is_the_panels_own_reply_box(
    agents: Agents, client: Client
) -> None:
    ticket = file_ticket(agents.world)
    canned = CannedResponse.objects.create(title="Restart", text="Please restart.", language="en")
    article = Article.objects.create(
        slug="restart",
        title_ru="Перезагрузка",
        body_ru="Перезагрузите.",
        state=Article.State.PUBLISHED,
        visibility=Article.Visibility.PUBLIC,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    client.force_login(agents.anna)
    panel = _box(client.get(f"/desk/t/{ticket.number}/").content.decode())
    assert "required" not in panel and 'placeholder="' in panel and 'maxlength="' in panel

    htmx = {"HX-Request": "true"}
    for url, query in [
        (f"/desk/t/{ticket.number}/canned/", {"canned": str(canned.pk)}),
        (f"/desk/t/{ticket.number}/article/", {"article": str(article.pk), "mode": "link"}),
    ]:
        fragment = client.get(url, {**query, "reply-text": "Hello."}, headers=htmx)
        html = fragment.content.decode()
        assert fragment.status_code == 200 and html.startswith("<textarea")
        assert _box(html) == panel  # same name, id, placeholder, maxlength; not required
        assert html.count("<textarea") == 1 and html.rstrip().endswith("</textarea>")
        assert "Hello.\n\n" in html


def test_a_requester_is_reachable_by_email_or_by_the_telegram_chat_of_a_telegram_ticket(
    agents: Agents,
) -> None:
    w = agents.world
    assert requester_reachable(file_ticket(w))  # Oleg has an email
    nameless = Contact.objects.create(name="Без почты")
    ContactAddress.objects.create(contact=nameless, kind="phone", value="+79990001122")
    assert not requester_reachable(file_ticket(w, requester=nameless))
    ContactAddress.objects.create(contact=nameless, kind="telegram", value="424242")
    assert requester_reachable(file_ticket(w, requester=nameless, channel="telegram"))
    # Telegram notices go only to tickets that came from Telegram (`_to_requester`).
    assert not requester_reachable(file_ticket(w, requester=nameless, channel="phone"))


@pytest.mark.parametrize("path", ["update", "reply"])
def test_the_agent_is_warned_only_when_the_reply_goes_nowhere(
    agents: Agents, client: Client, path: str
) -> None:
    w = agents.world
    contact = Contact.objects.create(name="Только Telegram")
    ContactAddress.objects.create(contact=contact, kind="telegram", value="515151")
    by_telegram = file_ticket(w, requester=contact, channel="telegram")
    by_phone = file_ticket(w, requester=contact, channel="phone")
    client.force_login(agents.anna)

    def reply(number: int) -> list[str]:
        data = {"reply-text": "Перезагрузите роутер."}
        if path == "update":
            ticket = by_telegram if number == by_telegram.number else by_phone
            data |= {"status": ticket.status.slug, "priority": ticket.priority.slug}
        response = client.post(f"/desk/t/{number}/{path}/", data)
        assert response.status_code == 302
        return [str(m) for m in get_messages(response.wsgi_request)]

    told = reply(by_telegram.number)
    assert "Reply sent." in " ".join(told) and NO_EMAIL not in told
    assert Outbox.objects.filter(kind=Outbox.Kind.TELEGRAM, recipient="515151").exists()
    assert NO_EMAIL in reply(by_phone.number)
