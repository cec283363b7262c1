"""The site's front door, `/`: each person starts where their work is.

Agents (and superusers) go to their queue in the desk; clients and visitors get the
portal's front page: their requests, a new request, the knowledge base, signing in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from zayavka.tickets import access


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and access.is_agent(request.user):
        return redirect("workspace:home")
    return render(request, "portal/front.html")
