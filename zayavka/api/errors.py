"""The API's errors: one JSON shape with a stable code, whatever went wrong.

    {"error": {"code": "not_found", "message": "…", "fields": {"subject": ["…"]}}}

`code` is what clients branch on; `message` is for people; `fields` names the
request's fields that were refused (dotted paths), with what was wrong with each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


#: The error responses every operation may give, for its `response=` declaration.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
#: … and those of operations that write.
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut, 503: ErrorOut}

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error the API answers with; `code` is one of those in docs/api.md."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        fields: Mapping[str, Iterable[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        self.headers = dict(headers or {})


def body(code: str, message: str, fields: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": dict(fields or {})}}


def install(api: NinjaAPI) -> None:
    """Answer every error of `api` in the one shape."""

    def respond(
        request: HttpRequest,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        response = api.create_response(request, body(code, message, fields), status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    def api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, exc.status, exc.code, exc.message, exc.fields, exc.headers)

    def invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ())]
            # ("body", "payload", "subject") → "subject"; ("query", "limit") → "limit"
            path = [p for p in location[1:] if p not in {"payload", "data"}] or location
            fields.setdefault(".".join(path), []).append(str(error.get("msg", "invalid")))
        return respond(request, 422, "invalid_request", "The request is not valid.", fields)

    def unauthorized(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(
            request,
            401,
            "unauthorized",
            "Give a valid API token: Authorization: Bearer zv_….",
            headers={"WWW-Authenticate": "Bearer"},
        )

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        status = exc.status_code
        return respond(request, status, _CODES.get(status, "error"), str(exc))

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 404, "not_found", "No such object, or not yours to see.")

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, "forbidden", "The token's user may not do this here.")

    def refused(request: HttpRequest, exc: Any) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            return respond(request, 422, "invalid_request", "The request is not valid.", fields)
        return respond(request, 422, "invalid_request", " ".join(exc.messages))

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(NinjaValidationError, invalid)
    api.add_exception_handler(AuthenticationError, unauthorized)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(DjangoValidationError, refused)
