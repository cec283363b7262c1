"""Sign-in that gives up on guessers without letting them lock the owner out.

After too many failed attempts for one login name from one client address, or from one
address for any names, the form refuses to check passwords until the window ends. A name
failing from everywhere is slowed down instead (progressive delays, throttle.name_delay),
and its owner is not slowed: a right password from a known device (a signed cookie set
after a successful sign-in on that browser) or a known address (one the name signed in
from before) goes through even while the name is being attacked.

Used by every sign-in page (the portal's, the workspace's, the site's and the admin's);
the counters are shared, so switching pages buys no extra guesses. A user with an
authenticator app (twofactor.py) is signed in only after the code step, `login_code`.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from zayavka.accounts import throttle, twofactor
from zayavka.core.clientip import client_ip

LOCKED = "locked"
DELAYED = "delayed"
DEVICE_COOKIE = "zv_device"
_DEVICE_SALT = "zayavka.accounts.signin.device"
# A browser shared by a few people (a desk's front office) stays known for each of them.
_DEVICE_NAMES = 8


def locked_message() -> str:
    minutes = max(1, math.ceil(settings.ZAYAVKA_LOGIN_FAILURE_WINDOW / 60))
    return ngettext(
        "Too many failed sign-in attempts; try again in %(minutes)d minute.",
        "Too many failed sign-in attempts; try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def delay_message(seconds: int) -> str:
    return ngettext(
        "Many sign-in attempts for this name have failed; wait %(seconds)d second and try again.",
        "Many sign-in attempts for this name have failed; wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


def wait_message(seconds: int) -> str:
    return ngettext(
        "After a wrong code, wait %(seconds)d second before the next one.",
        "After a wrong code, wait %(seconds)d seconds before the next one.",
        seconds,
    ) % {"seconds": seconds}


def _device(request: HttpRequest) -> dict[str, Any]:
    """The known-device cookie's content, or an empty dict when absent, forged or old."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return {}
    try:
        value = signing.loads(
            raw, salt=_DEVICE_SALT, max_age=settings.ZAYAVKA_LOGIN_KNOWN_DEVICE_DAYS * 86400
        )
    except signing.BadSignature:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("names"), list):
        return {}
    return value


def known_device(request: HttpRequest, username: str) -> str:
    """This browser's device id when it signed in as this name before; else ""."""
    device = _device(request)
    if throttle.name_key(username) in device.get("names", []):
        return str(device.get("id", ""))
    return ""


def remember_sign_in(request: HttpRequest, username: str, response: HttpResponseBase) -> None:
    """After a complete sign-in (password and, when asked, the second factor): this
    address and this browser become known for the name."""
    throttle.remember_address(client_ip(request), username)
    device = _device(request)
    name = throttle.name_key(username)
    names = [n for n in device.get("names", []) if n != name][-(_DEVICE_NAMES - 1) :]
    value = {"id": str(device.get("id") or secrets.token_urlsafe(16)), "names": [*names, name]}
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(value, salt=_DEVICE_SALT),
        max_age=settings.ZAYAVKA_LOGIN_KNOWN_DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class LimitedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, counting failed passwords, refusing while locked and making
    strangers wait while the name is under attack.

    Both are checked before the password, so a right password does not get in while
    locked, and a refused attempt costs no password hashing."""

    retry_after = 0

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        request = self.request
        ip = client_ip(request) if request is not None else ""
        device = known_device(request, username) if request is not None else ""
        if throttle.login_locked(ip, username, device):
            self.retry_after = settings.ZAYAVKA_LOGIN_FAILURE_WINDOW
            raise ValidationError(locked_message(), code=LOCKED)
        if not device and not throttle.known_address(ip, username):
            wait = throttle.name_delay(username)
            if wait:
                self.retry_after = wait
                raise ValidationError(delay_message(wait), code=DELAYED)
        try:
            return super().clean()
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                throttle.count_login_failure(ip, username, device)
            raise


class LimitedLoginView(auth_views.LoginView):
    """Django's sign-in page that answers 429 (with Retry-After) while the form is locked
    or delayed, and remembers the device and address of a successful sign-in."""

    form_class = LimitedAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, LOCKED) or form.has_error(NON_FIELD_ERRORS, DELAYED):
            response.status_code = 429
            response["Retry-After"] = str(getattr(form, "retry_after", 0) or 1)
        return response

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        name = form.cleaned_data["username"]
        if twofactor.has_device(user):
            # Not signed in yet: the code comes first.
            twofactor.begin(self.request, user, name, self.get_success_url())
            return redirect("login-code")
        response = super().form_valid(form)
        remember_sign_in(self.request, name, response)
        return response


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
        help_text=_("From your authenticator app, or one of your recovery codes."),
    )


@never_cache
@sensitive_post_parameters("code")
@login_not_required
def login_code(request: HttpRequest) -> HttpResponseBase:
    """The second step of every sign-in page for a user with an authenticator: the
    password was right, a code from the app (or a recovery code) signs in."""
    waiting = twofactor.pending(request)
    if waiting is None:
        twofactor.end(request)
        return redirect(settings.LOGIN_URL)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verdict = twofactor.verify(waiting.user, form.cleaned_data["code"])
        device = verdict.device
        if device is not None:
            twofactor.end(request)
            auth_login(request, waiting.user, backend=waiting.backend or None)
            otp_login(request, device)
            response = redirect(waiting.next)
            remember_sign_in(request, waiting.name, response)
            return response
        if verdict.wait:
            form.add_error("code", wait_message(verdict.wait))
        else:
            if not twofactor.count_wrong_code(request):
                messages.error(request, _("Too many wrong codes; sign in again."))
                return redirect(waiting.login_url)
            code = "".join(form.cleaned_data["code"].split())
            form.add_error(
                "code",
                _("This code is not right. Try the current one.")
                if code.isdigit()
                else _("This recovery code is not right or was used already."),
            )
    return render(request, "registration/login_code.html", {"form": form})


class LimitedAdminAuthenticationForm(LimitedAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in (staff only), under the same counters as the other pages."""
