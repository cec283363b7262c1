"""Tickets over the API, as an integration or an agent's script would use them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.factories import World
from tests.personas import Agents, file_ticket
from zayavka.api.inbound import ApiRequest, parse, raw_request
from zayavka.api.tokens import issue_token
from zayavka.tickets.inbound import Sender
from zayavka.tickets.models import CategoryField, EventKind, RawInput, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

NEW = {
    "subject": "Сайт не открывается",
    "description": "С утра ошибка 502 на главной.",
    "requester": {"email": "client@example.org", "name": "Клиент", "phone": "+7 900 000-00-01"},
}


def test_an_agent_files_a_ticket_and_reads_it_back(api: Api, anna_token: str) -> None:
    created = api.as_(anna_token).post("/tickets", NEW)
    assert created.status_code == 201, created.content
    body = created.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert body["subject"] == "Сайт не открывается"
    assert body["status"] == "new" and body["state"] == "new"
    assert body["channel"] == "api"
    # An address typed by an agent proves nothing about who asks (R27).
    assert body["verification"] == "none"
    assert ticket.messages.get().text == "С утра ошибка 502 на главной."
    assert RawInput.objects.filter(channel="api", ticket=ticket).exists()
    again = api.as_(anna_token).get(f"/tickets/{ticket.number}")
    assert again.status_code == 200
    assert again.json() == body


def test_the_same_idempotency_key_replays_the_first_answer(api: Api, anna_token: str) -> None:
    as_anna = api.as_(anna_token)
    first = as_anna.post("/tickets", NEW, headers={"Idempotency-Key": "order-17"})
    again = as_anna.post("/tickets", NEW, headers={"Idempotency-Key": "order-17"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other = as_anna.post(
        "/tickets", {**NEW, "subject": "Другое"}, headers={"Idempotency-Key": "order-17"}
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_idempotency_keys_belong_to_their_token(api: Api, anna_token: str, agents: Agents) -> None:
    boris_token = issue_token(name="b", user=agents.boris, scopes=["tickets:write"])[1]
    one = api.as_(anna_token).post("/tickets", NEW, headers={"Idempotency-Key": "k1"})
    two = api.as_(boris_token).post("/tickets", NEW, headers={"Idempotency-Key": "k1"})
    assert one.status_code == two.status_code == 201
    assert one.json()["number"] != two.json()["number"]


def test_a_refused_request_releases_its_key(api: Api, anna_token: str) -> None:
    as_anna = api.as_(anna_token)
    bad = as_anna.post(
        "/tickets", {**NEW, "category": "no-such"}, headers={"Idempotency-Key": "k2"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == {
        "code": "unknown_category",
        "message": "No such category.",
        "fields": {"category": ["unknown"]},
    }
    fixed = as_anna.post("/tickets", NEW, headers={"Idempotency-Key": "k2"})
    assert fixed.status_code == 201


def test_the_integration_files_on_behalf_of_a_contact_it_vouches_for(
    api: Api, panel_token: str, world: World
) -> None:
    """The hosting control panel's form in the site editor (R36): the request is the
    contact's own, verified, in their company."""
    response = api.as_(panel_token).post(
        "/tickets",
        {
            "subject": "Не работает почта",
            "description": "Письма не уходят",
            "on_behalf_of": {"email": "O.Smirnov@romashka.ru"},
            "urgency": "high",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verification"] == "authenticated"
    assert body["requester"] == {"id": world.oleg.pk, "name": "Олег Смирнов"}
    assert body["organization"]["id"] == world.romashka.pk
    assert body["urgency"] == "high"


def test_only_an_integration_vouches_and_only_for_known_contacts(
    api: Api, anna_token: str, panel_token: str, world: World
) -> None:
    vouch = {**NEW, "requester": None, "on_behalf_of": {"contact_id": world.oleg.pk}}
    refused = api.as_(anna_token).post("/tickets", vouch)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_an_integration"
    unknown = api.as_(panel_token).post(
        "/tickets", {**vouch, "on_behalf_of": {"email": "nobody@example.org"}}
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_contact"


def test_category_form_answers_are_checked(api: Api, anna_token: str, world: World) -> None:
    CategoryField.objects.create(
        category=world.category, key="url", label_ru="Адрес", label_en="Address", required=True
    )
    missing = api.as_(anna_token).post("/tickets", {**NEW, "category": "site-down"})
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "invalid_fields"
    assert "fields.url" in missing.json()["error"]["fields"]
    ok = api.as_(anna_token).post(
        "/tickets",
        {**NEW, "category": "site-down", "fields": {"url": "https://romashka.ru"}},
    )
    assert ok.status_code == 201
    assert ok.json()["category"] == "site-down"
    assert ok.json()["fields"]["url"] == "https://romashka.ru"
    assert ok.json()["team"]["name"] == world.team.name


def test_an_agent_changes_status_priority_assignee_and_category(
    api: Api, anna_token: str, agents: Agents, world: World
) -> None:
    ticket = file_ticket(world)
    response = api.as_(anna_token).patch(
        f"/tickets/{ticket.number}",
        {
            "status": "pending",
            "priority": "high",
            "assignee_id": agents.anna.pk,
            "team_id": world.team.pk,
            "category": "site-down",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["category"]) == ("pending", "high", "site-down")
    assert body["assignee"] == {"id": agents.anna.pk, "name": "Anna"}
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {EventKind.STATUS, EventKind.PRIORITY, EventKind.ASSIGNED, EventKind.FIELDS} <= kinds
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS)
    assert (event.actor_user_id, event.channel) == (agents.anna.pk, "api")
    unassign = api.as_(anna_token).patch(f"/tickets/{ticket.number}", {"assignee_id": None})
    assert unassign.json()["assignee"] is None


def test_a_change_that_fails_changes_nothing(api: Api, anna_token: str, world: World) -> None:
    ticket = file_ticket(world)
    response = api.as_(anna_token).patch(
        f"/tickets/{ticket.number}", {"status": "pending", "priority": "no-such"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_priority"
    ticket.refresh_from_db()
    assert ticket.state == "new"


def _numbers(page: Any) -> list[int]:
    return [item["number"] for item in page["items"]]


def test_the_list_pages_by_cursor_and_filters(
    api: Api, anna_token: str, world: World, agents: Agents
) -> None:
    tickets = [file_ticket(world, f"Вопрос {i}") for i in range(5)]
    other = file_ticket(world, "Про принтер", requester=world.maria)
    as_anna = api.as_(anna_token)
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = as_anna.get("/tickets", params).json()
        seen += _numbers(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted([t.number for t in [*tickets, other]], reverse=True)
    by_q = as_anna.get("/tickets", {"q": "принтер"}).json()
    assert _numbers(by_q) == [other.number]
    by_state = as_anna.get("/tickets", {"state": "new", "organization": world.romashka.pk})
    assert len(by_state.json()["items"]) == 6
    bad = as_anna.get("/tickets", {"cursor": "not-a-cursor"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_cursor"


def test_the_list_by_update_time_is_stable(api: Api, anna_token: str, world: World) -> None:
    tickets = [file_ticket(world) for _ in range(4)]
    as_anna = api.as_(anna_token)
    first = as_anna.get("/tickets", {"sort": "updated_at", "limit": 3}).json()
    rest = as_anna.get(
        "/tickets", {"sort": "updated_at", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert _numbers(first) + _numbers(rest) == [t.number for t in tickets]
    assert rest["next_cursor"] is None


def test_a_kept_request_parses_back_to_what_intake_took() -> None:
    """The raw request intake keeps reads back as the message it took."""
    request = ApiRequest(
        token_id=7,
        sender=Sender(email="o.smirnov@romashka.ru", name="Олег", authenticated=True),
        subject="Счёт",
        description="Нужен счёт за декабрь",
        urgency="high",
        category="billing",
        fields={"account": "СЧ-2024-117"},
    )
    message = parse(raw_request(request), "api:7:k")
    assert message.channel == "api" and message.external_id == "api:7:k"
    assert message.sender == request.sender
    assert (message.subject, message.text, message.urgency, message.category) == (
        "Счёт",
        "Нужен счёт за декабрь",
        "high",
        "billing",
    )
    assert message.fields == {"account": "СЧ-2024-117"}
    assert message.meta == {"api_token": 7}
