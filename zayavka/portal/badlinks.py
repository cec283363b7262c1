"""The page for a link from an email that no longer works: forged, malformed, or too old.

The person clicked a link we sent; they get the desk's own page in their language and
the next step (a new link, or signing in), never a bare 404. An expired link answers
410 Gone, any other bad one 404."""

from __future__ import annotations

from enum import StrEnum

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class Link(StrEnum):
    """Which emailed link failed: it decides the next step the page offers."""

    CONFIRM = "confirm"  # sign-up confirmation: send a new one
    TICKET = "ticket"  # a request's thread: sign in to the portal, or follow the new mail
    RATING = "rating"  # rating a resolution: sign in and rate it there


def bad_link(request: HttpRequest, link: Link, error: Exception | None = None) -> HttpResponse:
    expired = isinstance(error, signing.SignatureExpired)
    return render(
        request,
        "portal/bad_link.html",
        {"link": link.value, "expired": expired},
        status=410 if expired else 404,
    )
