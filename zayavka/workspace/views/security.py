"""The agent's own sign-in security: setting up two-factor authentication (an
authenticator app and recovery codes), new recovery codes, turning it off where the desk
does not require it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from zayavka.accounts import twofactor
from zayavka.tickets import access
from zayavka.workspace.twofactor import must_have_two_factor
from zayavka.workspace.views.common import nav_context


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    user = request.user
    enabled = twofactor.has_device(user)
    context: dict[str, Any] = {
        **(nav_context(request) if access.is_agent(user) else {}),
        "is_agent": access.is_agent(user),
        "enabled": enabled,
        "required": must_have_two_factor(user),
        "codes_left": twofactor.recovery_codes_left(user) if enabled else 0,
        **extra,
    }
    if not enabled and "codes" not in extra:
        device = twofactor.enrolling_device(user)
        context |= {"qr": twofactor.qr_svg(device), "secret": twofactor.secret_text(device)}
    template = "workspace/security.html" if context["is_agent"] else "workspace/security_plain.html"
    return render(request, template, context, status=status)


@never_cache
@sensitive_post_parameters("code")
def two_factor(request: HttpRequest) -> HttpResponseBase:
    """Agents and administrators: GET shows the state (or the QR code and secret to set
    up); POST `confirm` with a code turns it on and shows the recovery codes once,
    `codes` replaces them, `off` turns it off unless it is required; both with a current
    code (or a recovery code)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("workspace:login"))
    if not (access.is_agent(user) or twofactor.is_admin(user)):
        raise PermissionDenied
    if request.method != "POST":
        return _page(request)
    action = request.POST.get("action", "")
    if action == "confirm" and not twofactor.has_device(user):
        device = twofactor.enrolling_device(user)
        codes = twofactor.confirm(device, request.POST.get("code", ""))
        if codes is None:
            return _page(request, 400, error=_("This code is not right. Try the current one."))
        otp_login(request, device)  # this session has just proved the code
        return _page(request, enabled=True, codes=codes, codes_left=len(codes))
    if action not in ("codes", "off") or not twofactor.has_device(user):
        return redirect("workspace:two-factor")
    # New recovery codes or none at all weaken the second factor: a session alone (a
    # stolen cookie) may not do it, only one with a code in hand.
    verdict = twofactor.verify(user, request.POST.get("code", ""))
    if verdict.device is None:
        error = (
            ngettext(
                "After a wrong code, wait %(seconds)d second before the next one.",
                "After a wrong code, wait %(seconds)d seconds before the next one.",
                verdict.wait,
            )
            % {"seconds": verdict.wait}
            if verdict.wait
            else _("This code is not right. Try the current one.")
        )
        return _page(request, 400, error=error)
    if action == "codes":
        codes = twofactor.new_recovery_codes(user)
        return _page(request, codes=codes, codes_left=len(codes))
    if not must_have_two_factor(user):
        twofactor.turn_off(user)
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("workspace:two-factor")
    return redirect("workspace:two-factor")
