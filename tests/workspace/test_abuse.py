"""Abusive requests (R29): an agent flags the insulting message and may close the ticket
without answering it; the history keeps both."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import Agents, file_ticket
from zayavka.tickets.actions.messages import add_message, mark_abusive
from zayavka.tickets.models import EventKind, Message, Outbox, StatusCategory, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def rude(agents: Agents) -> Ticket:
    return file_ticket(agents.world, "Вы все бездельники", "Оскорбления вместо описания", team=None)


def test_an_agent_flags_a_message_as_abusive_and_the_history_says_so(
    agents: Agents, client: Client, rude: Ticket
) -> None:
    message = rude.messages.get()
    client.force_login(agents.anna)
    html = client.get(f"/desk/t/{rude.number}/").content.decode()
    assert "Flag as abusive" in html
    assert "Close without reply" not in html

    response = client.post(f"/desk/t/{rude.number}/m/{message.pk}/abusive/", {"abusive": "1"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.is_abusive
    assert message.meta["abusive"]["by"] == agents.anna.pk
    event = rude.events.get(kind=EventKind.FLAGGED)
    assert event.data == {"message": message.pk, "abusive": True}
    assert event.actor_user == agents.anna

    html = client.get(f"/desk/t/{rude.number}/").content.decode()
    assert "Remove the abusive mark" in html
    assert "message marked as abusive" in html  # history
    assert "Close without reply" in html

    client.post(f"/desk/t/{rude.number}/m/{message.pk}/abusive/", {"abusive": "0"})
    message.refresh_from_db()
    assert not message.is_abusive and "abusive" not in message.meta
    flags = list(rude.events.filter(kind=EventKind.FLAGGED).values_list("data", flat=True))
    assert flags == [
        {"message": message.pk, "abusive": True},
        {"message": message.pk, "abusive": False},
    ]
    # Asking for what already is changes nothing.
    assert not mark_abusive(message, abusive=False, by=agents.anna)
    assert rude.events.filter(kind=EventKind.FLAGGED).count() == 2


def test_only_the_requesters_messages_can_be_flagged(
    agents: Agents, client: Client, rude: Ticket
) -> None:
    reply = add_message(
        rude,
        direction=Message.Direction.OUTBOUND,
        channel="agent",
        text="Ответ",
        author_user=agents.anna,
    )
    client.force_login(agents.anna)
    response = client.post(f"/desk/t/{rude.number}/m/{reply.pk}/abusive/")
    assert response.status_code == 404
    other = file_ticket(agents.world, "Другой")
    foreign = other.messages.get()
    response = client.post(f"/desk/t/{rude.number}/m/{foreign.pk}/abusive/")
    assert response.status_code == 404
    assert not Message.objects.filter(is_abusive=True).exists()


def test_closing_without_reply_sends_nothing_and_is_recorded(
    agents: Agents, client: Client, rude: Ticket
) -> None:
    mark_abusive(rude.messages.get(), by=agents.anna)
    mails_before = set(Outbox.objects.values_list("pk", flat=True))
    client.force_login(agents.anna)
    response = client.post(f"/desk/t/{rude.number}/close-silently/")
    assert response.status_code == 302
    rude.refresh_from_db()
    assert rude.state == StatusCategory.CLOSED
    assert rude.closed_at is not None
    assert set(Outbox.objects.values_list("pk", flat=True)) == mails_before
    event = rude.events.get(kind=EventKind.STATUS)
    assert event.data["reason"] == "no_reply"
    assert event.actor_user == agents.anna
    html = client.get(f"/desk/t/{rude.number}/").content.decode()
    assert "(closed without a reply)" in html
    assert "Close without reply" not in html


def test_a_customer_cannot_flag_messages(agents: Agents, client: Client, rude: Ticket) -> None:
    client.force_login(agents.oleg)
    message = rude.messages.get()
    assert client.post(f"/desk/t/{rude.number}/m/{message.pk}/abusive/").status_code == 403
    assert client.post(f"/desk/t/{rude.number}/close-silently/").status_code == 403
    message.refresh_from_db()
    assert not message.is_abusive
