"""Who sees what over the API: the workspace's rules, the token's scopes and
organization, revocation and the rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import ALL_SCOPES, Api
from tests.factories import ContactFactory, World
from tests.personas import Agents, file_ticket, make_agent
from zayavka.accounts.models import Contact
from zayavka.api.models import ApiToken
from zayavka.api.tokens import issue_token, revoke_token

pytestmark = pytest.mark.django_db


def test_without_a_valid_token_nothing_is_answered(api: Api, anna_token: str) -> None:
    for token in ("", "zv_nope_nope", anna_token[:-2] + "xx", "Basic abc"):
        response = api.as_(token).get("/tickets")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_and_a_deactivated_user_are_refused(api: Api, agents: Agents) -> None:
    token, plain = issue_token(name="t", user=agents.boris, scopes=ALL_SCOPES)
    assert api.as_(plain).get("/tickets").status_code == 200
    revoke_token(token)
    assert api.as_(plain).get("/tickets").status_code == 401
    _, other = issue_token(name="t2", user=agents.boris, scopes=ALL_SCOPES)
    agents.boris.is_active = False
    agents.boris.save(update_fields=["is_active"])
    assert api.as_(other).get("/tickets").status_code == 401


def test_last_use_is_recorded(api: Api, agents: Agents) -> None:
    token, plain = issue_token(name="t", user=agents.boris, scopes=ALL_SCOPES)
    assert token.last_used_at is None
    api.as_(plain).get("/statuses")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_a_restricted_teams_ticket_does_not_exist_for_other_agents(
    api: Api, anna_token: str, vera_token: str, agents: Agents, world: World
) -> None:
    secret = file_ticket(world, "Утечка", team=agents.security)
    assert api.as_(anna_token).get(f"/tickets/{secret.number}").status_code == 404
    assert (
        api.as_(anna_token).patch(f"/tickets/{secret.number}", {"priority": "high"}).status_code
        == 404
    )
    listed = api.as_(anna_token).get("/tickets").json()
    assert secret.number not in [t["number"] for t in listed["items"]]
    assert api.as_(vera_token).get(f"/tickets/{secret.number}").status_code == 200
    assert secret.number in [
        t["number"] for t in api.as_(vera_token).get("/tickets").json()["items"]
    ]


def test_a_token_of_one_organization_sees_only_its_tickets_and_people(
    api: Api, agents: Agents, world: World
) -> None:
    _, plain = issue_token(
        name="Romashka's monitoring",
        user=make_agent("monitor"),
        scopes=ALL_SCOPES,
        kind=ApiToken.Kind.INTEGRATION,
        organization=world.romashka,
    )
    ours = file_ticket(world, "Наш")
    foreign = file_ticket(world, "Чужой", requester=_veter_contact(world))
    client = api.as_(plain)
    assert client.get(f"/tickets/{ours.number}").status_code == 200
    response = client.get(f"/tickets/{foreign.number}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert [t["number"] for t in client.get("/tickets").json()["items"]] == [ours.number]
    assert client.get(f"/organizations/{world.veter.pk}").status_code == 404
    assert [o["id"] for o in client.get("/organizations").json()["items"]] == [world.romashka.pk]
    names = {c["name"] for c in client.get("/contacts").json()["items"]}
    assert names == {"Мария Кузнецова", "Олег Смирнов"}
    # It files only for its own people.
    typed = client.post(
        "/tickets",
        {"subject": "x", "description": "y", "requester": {"email": "a@example.org"}},
    )
    assert typed.status_code == 403
    assert typed.json()["error"]["code"] == "on_behalf_of_required"


def _veter_contact(world: World) -> Contact:
    return ContactFactory.create(
        name="Павел Ветров", organization=world.veter, email="p.vetrov@veter.example"
    )


def test_each_operation_needs_its_scope(api: Api, agents: Agents, world: World) -> None:
    ticket = file_ticket(world)
    _, reader = issue_token(name="r", user=agents.anna, scopes=["tickets:read"])
    client = api.as_(reader)
    assert client.get(f"/tickets/{ticket.number}").status_code == 200
    refused = client.patch(f"/tickets/{ticket.number}", {"priority": "high"})
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "missing_scope",
        "message": "The token lacks the scope tickets:write.",
        "fields": {},
    }
    assert client.get("/contacts").status_code == 403
    assert client.get("/categories").status_code == 403
    assert client.get("/statuses").status_code == 200


def test_the_rate_limit_answers_429_with_retry_after(api: Api, agents: Agents) -> None:
    _, plain = issue_token(name="slow", user=agents.anna, scopes=ALL_SCOPES, rate_limit=3)
    client = api.as_(plain)
    answers = [client.get("/statuses") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    limited = answers[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another token of the same agent has its own count.
    _, other = issue_token(name="other", user=agents.anna, scopes=ALL_SCOPES, rate_limit=3)
    assert api.as_(other).get("/statuses").status_code == 200


def test_the_window_ends_and_requests_pass_again(api: Api, agents: Agents) -> None:
    token, plain = issue_token(name="slow", user=agents.anna, scopes=ALL_SCOPES, rate_limit=1)
    client = api.as_(plain)
    assert client.get("/statuses").status_code == 200
    assert client.get("/statuses").status_code == 429
    ApiToken.objects.filter(pk=token.pk).update(window_start=timezone.now() - timedelta(seconds=61))
    assert client.get("/statuses").status_code == 200
