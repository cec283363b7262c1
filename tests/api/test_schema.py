"""Every operation of the API fuzzed from its own OpenAPI schema (schemathesis): no
server error, every response (status, content type, body, headers) as the schema says,
and requests the schema forbids refused. A limited number of examples per operation
keeps it to about a minute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import ALL_SCOPES
from tests.factories import World
from tests.personas import Agents, file_ticket
from zayavka.api.tokens import issue_token

pytestmark = pytest.mark.django_db

EXAMPLES = 25


@pytest.fixture(autouse=True)
def _keep_the_test_transaction() -> Iterator[None]:
    """The requests go to the WSGI application itself, not through Django's test client:
    like the client, keep each request from closing the connection that holds the
    test's transaction (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(agents: Agents, world: World) -> str:
    """A token with every scope and no rate limit, and a few tickets to find."""
    for _ in range(3):
        file_ticket(world)
    return issue_token(name="fuzz", user=agents.anna, scopes=ALL_SCOPES, rate_limit=0)[1]


# Loaded when the module is collected (pytest-django has set Django up): the schema is
# served by the desk itself, as clients get it.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# The token is the test's own (below): schemathesis neither makes one up nor leaves it out.
schema.config.generation.update(with_security_parameters=False)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_holds_to_its_schema(case: Any, fuzz_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"},
        # Data the schema admits may still be refused by the desk's own rules, with 422
        # and a code: an unknown category or status slug, a contact nobody registered,
        # neither a requester nor a contact. Every other check runs, server errors first.
        excluded_checks=[positive_data_acceptance],
    )
