"""Requests larger than ZAYAVKA_MAX_REQUEST_BYTES are refused before their body is read.

Under ASGI, Django reads a request's whole body (spooled to a temporary file past
FILE_UPLOAD_MAX_MEMORY_SIZE) before any middleware or view runs, so a 300 MB upload was
written to disk in full before the form's own limits refused it. `LimitRequestBody`
wraps the ASGI application: a declared Content-Length over the limit is answered 413
at once, without reading a byte of the body; a chunked body is counted as it arrives
and refused as soon as it passes the limit. `LimitRequestBodyMiddleware` gives the same
answer under WSGI, where Django reads the body only when asked.

The answer is a short page in the visitor's language (their language cookie, else
Accept-Language), which the workspace's script also shows after an htmx post.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.csp import build_policy

type Scope = dict[str, Any]
type Message = Mapping[str, Any]
type Receive = Callable[[], Awaitable[Message]]
type Send = Callable[[Message], Awaitable[None]]
type ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def max_request_bytes() -> int:
    """The largest request body the desk reads; 0: no limit."""
    limit: int = settings.ZAYAVKA_MAX_REQUEST_BYTES
    return limit


def too_large(length: int | None) -> bool:
    limit = max_request_bytes()
    return limit > 0 and length is not None and length > limit


def refusal(request: HttpRequest) -> HttpResponse:
    """413 with a page in the requester's language that names the limit."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        html = render_to_string(
            "413.html",
            {"limit": filesizeformat(max_request_bytes()), "LANGUAGE_CODE": language},
        )
    response = HttpResponse(html, status=413)
    if settings.SECURE_CSP:
        response["Content-Security-Policy"] = build_policy(settings.SECURE_CSP)
    return response


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_refusal(scope: Scope, send: Send) -> None:
    response = refusal(ASGIRequest(scope, io.BytesIO()))  # headers and cookies only
    # The rest of the body is never read, so the connection cannot serve another request.
    headers = [(b"content-type", response["Content-Type"].encode()), (b"connection", b"close")]
    headers += [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.items()
        if name.lower() != "content-type"
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})


class LimitRequestBody:
    """The ASGI application, refusing bodies over the limit before Django reads them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or max_request_bytes() <= 0:
            await self.app(scope, receive, send)
            return
        if too_large(_declared_length(scope)):
            await _send_refusal(scope, send)
            return
        limit = max_request_bytes()
        received = 0
        refused = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Django stops reading at a disconnect and answers nothing more.
                    refused = True
                    await _send_refusal(scope, send)
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)


class LimitRequestBodyMiddleware:
    """The same limit where Django reads the body lazily (WSGI): checked before a view
    or a middleware touches request.POST or request.FILES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if too_large(length):
            return refusal(request)
        return self.get_response(request)
