"""Client accounts (R28): sign-up with a confirmed address (and a new link when the first
is lost), sign-in limited against guessing, password recovery."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zayavka.accounts import throttle
from zayavka.accounts.models import User
from zayavka.accounts.signin import LimitedLoginView
from zayavka.core.clientip import client_ip
from zayavka.portal import membership
from zayavka.portal.badlinks import Link, bad_link
from zayavka.portal.forms import (
    EmailAuthenticationForm,
    OutboxPasswordResetForm,
    ResendConfirmationForm,
    SignupForm,
)

# The session key that carries the address from the sign-up to the page that follows it.
SIGNED_UP = "portal_signed_up"


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = SignupForm(request.POST or None)
    ip = client_ip(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not throttle.allow("signup", ip, data["email"]):
            form.add_error(None, _("Too many attempts in a short time; try again later."))
            return render(request, "portal/signup.html", {"form": form}, status=429)
        membership.register(
            email=data["email"],
            password=data["password1"],
            name=data["name"],
            phone=data["phone"],
            contract_number=data["contract_number"],
        )
        # The same answer whether or not the address already had an account; after a
        # redirect, so that reloading the page does not post the form again.
        request.session[SIGNED_UP] = data["email"]
        return redirect("portal:signup_done")
    return render(request, "portal/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def signup_done(request: HttpRequest) -> HttpResponse:
    email = request.session.get(SIGNED_UP)
    if not email:
        return redirect("portal:signup")
    return render(request, "portal/signup_done.html", {"email": email})


@require_GET
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = membership.confirm(token)
    except (signing.BadSignature, User.DoesNotExist, KeyError, ValueError) as exc:
        return bad_link(request, Link.CONFIRM, exc)
    # The link proves the address is theirs: they are signed in, unless someone else is
    # signed in in this browser (an agent checking a link must stay who they are).
    if not request.user.is_authenticated:
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return render(request, "portal/confirmed.html")


@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """A new confirmation link for a sign-up whose first link was lost or expired."""
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not throttle.allow("confirm", client_ip(request), email):
            form.add_error(None, _("Too many attempts in a short time; try again later."))
            return render(request, "portal/confirm_resend.html", {"form": form}, status=429)
        membership.resend_confirmation(email)
        # The same answer whether or not the address has an account waiting.
        return render(request, "portal/confirm_resend_done.html", {"email": email})
    status = 400 if form.errors else 200
    return render(request, "portal/confirm_resend.html", {"form": form}, status=status)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password recovery, limited like the form: each request may send mail."""

    template_name = "portal/password_reset_form.html"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("portal:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        ip = client_ip(self.request)
        if not throttle.allow("password", ip, form.cleaned_data["email"]):
            # The same answer as usual: nothing tells whether the address has an account.
            return redirect(self.get_success_url())
        return super().form_valid(form)


urlpatterns = [
    path("portal/signup/", signup, name="signup"),
    path("portal/signup/done/", signup_done, name="signup_done"),
    # Before confirm/<token>/, which would take "resend" for a token.
    path("portal/confirm/resend/", resend_confirmation, name="confirm_resend"),
    path("portal/confirm/<str:token>/", confirm, name="confirm"),
    path(
        "portal/login/",
        LimitedLoginView.as_view(
            template_name="portal/login.html",
            authentication_form=EmailAuthenticationForm,
            next_page="portal:home",
        ),
        name="login",
    ),
    path("portal/logout/", auth_views.LogoutView.as_view(next_page="portal:login"), name="logout"),
    path(
        "portal/password/reset/",
        PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "portal/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="portal/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "portal/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "portal/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
