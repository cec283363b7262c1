"""Two-factor authentication enforced on every page: a middleware, so that no view,
the admin's included, can be reached around it.

- A user with an authenticator whose session did not prove a code (signed in by some
  other way than the sign-in pages' code step) is signed out and sent to sign in.
- An agent or administrator the desk requires to use two-factor authentication
  (ZAYAVKA_TWO_FACTOR) and who has no authenticator yet is sent to the enrolment page
  before anything else; signing out and the enrolment page itself stay reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse

from zayavka.accounts import twofactor
from zayavka.tickets import access

# Paths an unenrolled user who must enrol may still reach.
_OPEN = ("/static/", "/i18n/", "/desk/logout/", "/portal/logout/", "/logout/", "/admin/logout/")


def must_have_two_factor(user: Any) -> bool:
    policy = twofactor.policy()
    if policy == twofactor.ADMINS:
        return twofactor.is_admin(user)
    if policy == twofactor.AGENTS:
        return twofactor.is_admin(user) or access.is_agent(user)
    return False


def _login_url(path: str) -> str:
    if path.startswith("/desk/"):
        return reverse("workspace:login")
    if path.startswith("/admin/"):
        return reverse("admin:login")
    return str(settings.LOGIN_URL)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        # OTPMiddleware (before this one) gives the user is_verified(): did this session
        # prove a code?
        if not user.is_authenticated or getattr(user, "is_verified", bool)():
            return self.get_response(request)
        if not (access.is_agent(user) or twofactor.is_admin(user)):
            return self.get_response(request)  # clients do not use authenticators
        if twofactor.has_device(user):
            logout(request)
            return redirect_to_login(request.get_full_path(), _login_url(request.path))
        enrol = reverse("workspace:two-factor")
        if must_have_two_factor(user) and not request.path.startswith((enrol, *_OPEN)):
            if request.headers.get("HX-Request"):
                return HttpResponse(status=204, headers={"HX-Redirect": enrol})
            return HttpResponse(status=302, headers={"Location": enrol})
        return self.get_response(request)
