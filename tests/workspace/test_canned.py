"""Canned responses: an agent inserts a ready answer, filled for this ticket, and edits it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.personas import Agents, file_ticket
from zayavka.workspace.models import CannedResponse, fill_placeholders

pytestmark = pytest.mark.django_db


def test_placeholders_are_filled_as_plain_text_and_nothing_else_is_touched() -> None:
    values = {"requester_name": "Олег {{ ticket_number }}", "ticket_number": "10042"}
    text = (
        "{{requester_name}}, заявка {{ ticket_number }}. {{ secret }} {% debug %} {{ ticket.key }}"
    )
    assert fill_placeholders(text, values) == (
        "Олег {{ ticket_number }}, заявка 10042. {{ secret }} {% debug %} {{ ticket.key }}"
    )
    assert fill_placeholders("Здравствуйте!", values) == "Здравствуйте!"


@pytest.fixture
def answers(agents: Agents) -> list[CannedResponse]:
    return [
        CannedResponse.objects.create(
            title="Перезагрузка",
            text="Здравствуйте, {{ requester_name }}! Заявка {{ ticket_number }}: перезагрузите.",
            language="ru",
        ),
        CannedResponse.objects.create(
            title="Restart", text="Hello {{ requester_name }}, please restart.", language="en"
        ),
        CannedResponse.objects.create(title="Old", text="—", is_active=False),
    ]


def test_the_reply_form_offers_the_responses_in_the_agents_language(
    agents: Agents, client: Client, answers: list[CannedResponse]
) -> None:
    ticket = file_ticket(agents.world)
    client.force_login(agents.anna)
    html = client.get(f"/desk/t/{ticket.number}/").content.decode()
    assert "Restart" in html
    assert "Перезагрузка" not in html and ">Old<" not in html


def test_inserting_a_response_fills_it_for_the_ticket_after_the_typed_text(
    agents: Agents, client: Client, answers: list[CannedResponse]
) -> None:
    ticket = file_ticket(agents.world)
    client.force_login(agents.anna)
    url = f"/desk/t/{ticket.number}/canned/"
    fragment = client.get(
        url, {"canned": str(answers[1].pk), "reply-text": "Добрый день."}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.startswith("<textarea") and 'name="reply-text"' in fragment
    assert "Добрый день.\n\nHello Олег Смирнов, please restart." in fragment

    page = client.get(url, {"canned": answers[0].pk}, HTTP_ACCEPT_LANGUAGE="ru")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Здравствуйте, Олег Смирнов! Заявка {ticket.display_number}: перезагрузите." in html


def test_an_agent_who_may_not_work_on_the_ticket_gets_nothing(
    agents: Agents, client: Client, answers: list[CannedResponse]
) -> None:
    secret = file_ticket(agents.world, team=agents.security)
    client.force_login(agents.anna)
    assert (
        client.get(f"/desk/t/{secret.number}/canned/", {"canned": answers[1].pk}).status_code == 404
    )
