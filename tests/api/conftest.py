"""The API tests: tokens for the workspace's personas (tests/conftest.py says who is who).

api               a client for /api/v1/ with `api.as_(token)`; its requests carry
                  the token as `Authorization: Bearer …`
anna_token        anna's own token (agent in the web team), every scope
vera_token        vera's (agent in the restricted security team), every scope
panel_token       the hosting control panel's integration token, acting as the
                  service account "panel" (an agent in no team), every scope
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from tests.personas import Agents, make_agent
from zayavka.api.models import ApiToken, Scope
from zayavka.api.tokens import issue_token

ALL_SCOPES = list(Scope.values)


@dataclass
class Api:
    client: Client
    token: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def as_(self, token: str) -> Api:
        return Api(self.client, token)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.client.get(
            f"/api/v1{path}", params or {}, headers=self._headers(kw.pop("headers", None))
        )

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(data),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(
            f"/api/v1{path}",
            json.dumps(data),
            content_type="application/json",
            headers=self._headers(None),
        )

    def upload(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data, headers=self._headers(None))


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


@pytest.fixture
def anna_token(agents: Agents) -> str:
    return issue_token(name="anna's", user=agents.anna, scopes=ALL_SCOPES)[1]


@pytest.fixture
def vera_token(agents: Agents) -> str:
    return issue_token(name="vera's", user=agents.vera, scopes=ALL_SCOPES)[1]


@pytest.fixture
def panel_token(agents: Agents) -> str:
    panel = make_agent("panel")
    return issue_token(
        name="Hosting control panel",
        user=panel,
        scopes=ALL_SCOPES,
        kind=ApiToken.Kind.INTEGRATION,
    )[1]
