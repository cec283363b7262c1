"""The ticket page's update panel applies its changes together or not at all."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Agents, file_ticket
from zayavka.tickets.models import Message

pytestmark = pytest.mark.django_db


def test_a_refused_change_keeps_nothing_of_the_update(agents: Agents, client: Client) -> None:
    w = agents.world
    ticket = file_ticket(w, "Не уходит почта", "Ошибка", team=w.team)
    client.force_login(agents.vera)
    before = (ticket.priority_id, ticket.status_id, ticket.assignee_id, ticket.team_id)
    response = client.post(
        f"/desk/t/{ticket.number}/update/",
        {
            "reply-text": "Посмотрим.",
            "status": ticket.status.slug,
            "priority": "urgent",
            # Boris is not of the restricted team: he may not work on its tickets.
            "team": agents.security.pk,
            "agent": agents.boris.pk,
        },
    )
    assert response.status_code == 400
    assert "may not work on tickets of that team" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.priority_id, ticket.status_id, ticket.assignee_id, ticket.team_id) == before
    assert not Message.objects.filter(ticket=ticket, text="Посмотрим.").exists()


def test_files_without_a_reply_are_refused(agents: Agents, client: Client) -> None:
    w = agents.world
    ticket = file_ticket(w, "Не уходит почта", "Ошибка", team=w.team)
    client.force_login(agents.anna)
    response = client.post(
        f"/desk/t/{ticket.number}/update/",
        {
            "reply-text": "",
            "status": ticket.status.slug,
            "priority": ticket.priority.slug,
            "reply-files": SimpleUploadedFile("log.txt", b"x"),
        },
    )
    assert response.status_code == 400
    assert "Files go with a reply" in response.content.decode()
