"""The REST API v1: /api/v1/, its OpenAPI 3 schema at /api/v1/openapi.json and the
interactive docs at /api/v1/docs (Swagger UI from the django-ninja package's own static
files: nothing is loaded from a CDN, and the page runs no inline script)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from zayavka.api import directory, errors, messages, tickets
from zayavka.api.caller import TokenAuth
from zayavka.api.tokens import Presented

DESCRIPTION = """\
The service desk's API. Authenticate with a token: `Authorization: Bearer zv_…`
(an agent makes their own on «API tokens» in the workspace; integrations get theirs in
the admin). Errors are `{"error": {"code", "message", "fields"}}`; lists are keyset
pages (`limit`, `cursor` → `next_cursor`). See docs/api.md.
"""


class ZayavkaApi(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        limit = getattr(request, "rate_limit", None)
        if isinstance(limit, Presented) and limit.rate_limit > 0:
            response["X-RateLimit-Limit"] = str(limit.rate_limit)
            response["X-RateLimit-Remaining"] = str(limit.remaining)
        return response


api = ZayavkaApi(
    title="Zayavka API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    # The token typed into «Authorize» is not kept in the browser's storage.
    docs=Swagger(),
)
errors.install(api)
api.add_router("", tickets.router)
api.add_router("", messages.router)
api.add_router("", directory.router)
