"""The admin site of the desk: Django's, signing in through the desk's own sign-in, so
that /admin/login/ is throttled, worded and (with two-factor authentication) verified
exactly like every other sign-in page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from zayavka.accounts.signin import LimitedAdminAuthenticationForm, LimitedLoginView


class DeskAdminSite(admin.AdminSite):
    login_form = LimitedAdminAuthenticationForm

    @method_decorator(never_cache)
    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        view = LimitedLoginView(request=request)
        redirect_url = view.get_redirect_url() or reverse("admin:index", current_app=self.name)
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(redirect_url)
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            REDIRECT_FIELD_NAME: redirect_url,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return LimitedLoginView.as_view(
            extra_context=context,
            authentication_form=LimitedAdminAuthenticationForm,
            template_name="admin/login.html",
        )(request)
