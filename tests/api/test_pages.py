"""Where tokens are made and the API is described: the agent's own page in the
workspace, the admin for integrations, and the docs served without any CDN."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.conftest import Api
from tests.personas import PASSWORD, Agents
from zayavka.api import pages
from zayavka.api.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"zv_[0-9a-f]{12}_[A-Za-z0-9_-]{32}")


def _signed_in(username: str) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    assert client.login(username=username, password=PASSWORD)
    return client


def test_an_agent_makes_a_token_uses_it_and_revokes_it(agents: Agents, api: Api) -> None:
    anna = _signed_in("anna")
    page = anna.get("/desk/api-tokens/")
    assert page.status_code == 200
    assert "You have no tokens yet." in page.text
    made = anna.post("/desk/api-tokens/", {"name": "my script", "scopes": ["tickets:read"]})
    assert made.status_code == 200
    (plain,) = set(TOKEN.findall(made.text))
    token = ApiToken.objects.get(user=agents.anna)
    assert (token.kind, token.scopes, token.created_by) == ("agent", ["tickets:read"], agents.anna)
    assert plain not in anna.get("/desk/api-tokens/").text  # shown once
    assert api.as_(plain).get("/tickets").status_code == 200
    assert api.as_(plain).get("/contacts").status_code == 403
    # Nobody else revokes it.
    assert _signed_in("boris").post(f"/desk/api-tokens/{token.pk}/revoke/").status_code == 404
    assert api.as_(plain).get("/tickets").status_code == 200
    assert anna.post(f"/desk/api-tokens/{token.pk}/revoke/").status_code == 302
    assert api.as_(plain).get("/tickets").status_code == 401
    assert "revoked" in anna.get("/desk/api-tokens/").text


def test_the_page_is_for_agents(agents: Agents) -> None:
    assert _signed_in("oleg").get("/desk/api-tokens/").status_code == 403
    assert Client().get("/desk/api-tokens/").status_code == 302


def test_an_administrator_makes_an_integration_token(agents: Agents, api: Api) -> None:
    root = _signed_in("root")
    response = root.post(
        "/admin/api/apitoken/add/",
        {
            "name": "Hosting control panel",
            "kind": "integration",
            "user": agents.boris.pk,
            "scopes": ["tickets:write", "contacts:read"],
            "rate_limit": 1200,
        },
        follow=True,
    )
    assert response.status_code == 200
    (plain,) = set(TOKEN.findall(response.text))
    token = ApiToken.objects.get()
    assert (token.kind, token.user, token.created_by) == ("integration", agents.boris, agents.root)
    assert token.digest not in response.text
    assert api.as_(plain).get("/contacts").status_code == 200


def test_the_docs_and_the_schema_are_served_from_the_desk_itself(client: Client) -> None:
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.text
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    # No inline script: every <script> has a src, or is data (JSON), never code.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert "/api/v1/tickets" in schema["paths"]


def test_the_page_reads_in_russian(agents: Agents) -> None:
    client = Client()
    assert client.login(username="anna", password=PASSWORD)
    page = client.get("/desk/api-tokens/").text
    assert "Токены API" in page
    assert "Токен позволяет вашим скриптам работать с API" in page
    assert "У вас пока нет токенов." in page


def test_an_agent_has_at_most_so_many_tokens(
    agents: Agents, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "MAX_OWN_TOKENS", 1)
    anna = _signed_in("anna")
    anna.post("/desk/api-tokens/", {"name": "one", "scopes": ["tickets:read"]})
    refused = anna.post("/desk/api-tokens/", {"name": "two", "scopes": ["tickets:read"]})
    assert "Revoke a token first: you have 1." in refused.text
    assert ApiToken.objects.filter(user=agents.anna).count() == 1
