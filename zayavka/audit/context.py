"""Who is making the changes now: the request being served (set by the middleware), or
none (a command, the worker, a shell)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponseBase

current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    token = current_request.set(request)
    try:
        yield
    finally:
        current_request.reset(token)


class AuditMiddleware:
    """Lets the audit log name the signed-in user behind every change a request makes,
    whichever view (the admin's or the workspace's) makes it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        with serving(request):
            return self.get_response(request)
