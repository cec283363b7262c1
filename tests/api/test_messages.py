"""The thread over the API: public replies go to the requester, notes stay inside,
files are checked as in the workspace."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import Api
from tests.factories import World
from tests.personas import Agents, file_ticket
from zayavka.tickets.models import Message, Outbox

pytestmark = pytest.mark.django_db


def test_a_public_reply_is_mailed_and_moves_the_ticket(
    api: Api, anna_token: str, agents: Agents, world: World
) -> None:
    ticket = file_ticket(world)
    response = api.as_(anna_token).upload(
        f"/tickets/{ticket.number}/messages",
        {
            "kind": "reply",
            "text": "Перезапустили сервер, проверьте.",
            "status": "resolved",
            "files": [SimpleUploadedFile("log.txt", b"ok\n", content_type="text/plain")],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "reply" and body["direction"] == "out"
    assert body["author"] == {"type": "user", "id": agents.anna.pk, "name": "Anna"}
    assert [a["filename"] for a in body["attachments"]] == ["log.txt"]
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    assert Outbox.objects.filter(ticket=ticket, recipient="o.smirnov@romashka.ru").exists()
    thread = api.as_(anna_token).get(f"/tickets/{ticket.number}/messages").json()
    assert [m["text"] for m in thread["items"]] == [
        "Не работает",
        "Перезапустили сервер, проверьте.",
    ]


def test_a_note_stays_inside_the_desk(api: Api, anna_token: str, world: World) -> None:
    ticket = file_ticket(world)
    before = Outbox.objects.count()
    response = api.as_(anna_token).upload(
        f"/tickets/{ticket.number}/messages", {"kind": "note", "text": "Клиент VIP"}
    )
    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["id"]).kind == Message.Kind.NOTE
    assert Outbox.objects.count() == before


def test_files_are_checked_as_everywhere(
    api: Api, anna_token: str, world: World, settings: object
) -> None:
    ticket = file_ticket(world)
    setattr(settings, "ZAYAVKA_MAX_ATTACHMENT_BYTES", 10)  # noqa: B010
    response = api.as_(anna_token).upload(
        f"/tickets/{ticket.number}/messages",
        {
            "kind": "note",
            "text": "см. файл",
            "files": [SimpleUploadedFile("big.bin", b"x" * 11)],
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert "big.bin" in response.json()["error"]["message"]
    assert ticket.messages.count() == 1


def test_the_thread_pages_by_cursor(api: Api, anna_token: str, world: World) -> None:
    ticket = file_ticket(world)
    for i in range(3):
        api.as_(anna_token).upload(
            f"/tickets/{ticket.number}/messages", {"kind": "note", "text": f"n{i}"}
        )
    first = api.as_(anna_token).get(f"/tickets/{ticket.number}/messages", {"limit": 2}).json()
    rest = (
        api.as_(anna_token)
        .get(f"/tickets/{ticket.number}/messages", {"limit": 2, "cursor": first["next_cursor"]})
        .json()
    )
    assert [m["text"] for m in first["items"] + rest["items"]] == ["Не работает", "n0", "n1", "n2"]
    assert rest["next_cursor"] is None
