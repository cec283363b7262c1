"""The API over real HTTP (a live server), where the network matters: clients retrying
at once with one Idempotency-Key, and a file uploaded as multipart."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection

from tests.api.conftest import ALL_SCOPES
from tests.factories import World
from tests.personas import Agents
from zayavka.api.tokens import issue_token
from zayavka.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW = {
    "subject": "Не работает VPN",
    "description": "Не подключается с утра",
    "requester": {"email": "v.petrov@example.org", "name": "Виктор Петров"},
}


def _send(
    base: str, method: str, path: str, token: str, body: bytes, headers: dict[str, str]
) -> tuple[int, Any, dict[str, str]]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request(
            method, path, body=body, headers={"Authorization": f"Bearer {token}", **headers}
        )
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read()), dict(answer.getheaders())
    finally:
        conn.close()


@pytest.mark.postgres
def test_clients_retrying_at_once_with_one_key_file_one_ticket(
    live_server: Any, agents: Agents, world: World
) -> None:
    if connection.vendor != "postgresql":
        # The test database of SQLite is in memory, shared by the server's threads: its
        # tables lock instead of waiting, as the desk's own SQLite file would.
        pytest.skip("concurrent writers need PostgreSQL here")
    token = issue_token(name="t", user=agents.anna, scopes=ALL_SCOPES, rate_limit=0)[1]
    key = str(uuid.uuid4())
    body = json.dumps(NEW).encode()
    answers: list[tuple[int, Any, dict[str, str]]] = []
    start = threading.Barrier(4)

    def retry() -> None:
        start.wait()
        answers.append(
            _send(
                live_server.url,
                "POST",
                "/api/v1/tickets",
                token,
                body,
                {"Content-Type": "application/json", "Idempotency-Key": key},
            )
        )

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Ticket.objects.count() == 1
    number = Ticket.objects.get().number
    for status, payload, _headers in answers:
        assert status in {201, 409}, payload
        if status == 201:
            assert payload["number"] == number
        else:
            assert payload["error"]["code"] == "idempotency_request_in_progress"
    # Once the first is answered, every retry gets its answer.
    status, payload, headers = _send(
        live_server.url,
        "POST",
        "/api/v1/tickets",
        token,
        body,
        {"Content-Type": "application/json", "Idempotency-Key": key},
    )
    assert (status, payload["number"], headers["Idempotent-Replayed"]) == (201, number, "true")


def test_a_file_uploaded_over_http_lands_on_the_note(
    live_server: Any, agents: Agents, world: World
) -> None:
    token = issue_token(name="t", user=agents.anna, scopes=ALL_SCOPES)[1]
    created = _send(
        live_server.url,
        "POST",
        "/api/v1/tickets",
        token,
        json.dumps(NEW).encode(),
        {"Content-Type": "application/json"},
    )[1]
    boundary = uuid.uuid4().hex
    content = "Журнал ошибок\n".encode() * 100
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nnote\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nСм. журнал\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            'filename="журнал.txt"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, message, _ = _send(
        live_server.url,
        "POST",
        f"/api/v1/tickets/{created['number']}/messages",
        token,
        form,
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 201, message
    (attachment,) = message["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("журнал.txt", len(content))
    assert Attachment.objects.get(pk=attachment["id"]).sha256
