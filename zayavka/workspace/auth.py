"""Who gets into the workspace: agents only. Sign-in, the view guard, the viewer's clock."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.signin import LimitedAuthenticationForm, LimitedLoginView
from zayavka.tickets import access

# The browser tells its time zone in this cookie (static/workspace/workspace.js), so
# that deadlines read in the agent's own local time.
TZ_COOKIE = "zv_tz"

View = Callable[..., HttpResponseBase]


class AgentAuthenticationForm(LimitedAuthenticationForm):
    """Django's sign-in form that admits only the desk's agents, with failed attempts
    limited (shared with the portal's sign-in)."""

    error_messages = {
        **LimitedAuthenticationForm.error_messages,
        "not_agent": _("This sign-in is for the desk's agents. Clients use the portal."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not access.is_agent(user):
            raise ValidationError(self.error_messages["not_agent"], code="not_agent")


class AgentLoginView(LimitedLoginView):
    """The workspace's sign-in page: 429 while failed attempts lock it."""

    authentication_form = AgentAuthenticationForm
    redirect_authenticated_user = False
    next_page = "workspace:home"


def agent_required(view: View) -> View:
    """Anonymous visitors are sent to sign in; signed-in non-agents get 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            login = reverse("workspace:login")
            if request.headers.get("HX-Request"):
                # htmx would swap the sign-in page into a fragment: make it navigate.
                return HttpResponse(status=204, headers={"HX-Redirect": login})
            return redirect_to_login(request.get_full_path(), login)
        if not access.is_agent(request.user):
            raise PermissionDenied
        with timezone.override(viewer_timezone(request)):
            return view(request, *args, **kwargs)

    return guarded


def viewer_timezone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    """The browser's time zone when it told us a valid one; None: the desk's."""
    name = request.COOKIES.get(TZ_COOKIE, "")
    if not name or name not in _known_zones():
        return None
    return zoneinfo.ZoneInfo(name)


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
