"""Sign-in that gives up on guessers: after too many failed attempts for one login name
or from one client address, the form refuses to check passwords until the window ends.

Used by the portal's and the workspace's sign-in pages alike; the counters are shared,
so switching pages buys no extra guesses.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.utils.translation import ngettext

from zayavka.accounts import throttle
from zayavka.core.clientip import client_ip

LOCKED = "locked"


def locked_message() -> str:
    minutes = max(1, math.ceil(settings.ZAYAVKA_LOGIN_FAILURE_WINDOW / 60))
    return ngettext(
        "Too many failed sign-in attempts; try again in %(minutes)d minute.",
        "Too many failed sign-in attempts; try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LimitedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, counting failed passwords and refusing while locked.

    The lock is checked before the password, so a right password does not get in
    while locked, and a locked form costs no password hashing."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        ip = client_ip(self.request) if self.request is not None else ""
        if throttle.login_locked(ip, username):
            raise ValidationError(locked_message(), code=LOCKED)
        try:
            return super().clean()
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                throttle.count_login_failure(ip, username)
            raise


class LimitedLoginView(auth_views.LoginView):
    """Django's sign-in page that answers 429 while the form is locked."""

    form_class = LimitedAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, LOCKED):
            response.status_code = 429
        return response


class LimitedAdminAuthenticationForm(LimitedAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in (staff only), under the same counters as the other pages."""
