"""The agent's own API tokens, in the workspace: make one (shown once), see when each
was last used, revoke one. Integrations' tokens are made in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from zayavka.accounts.models import User
from zayavka.api.models import ApiToken, Scope
from zayavka.api.tokens import issue_token, revoke_token
from zayavka.workspace.auth import agent_required
from zayavka.workspace.views.common import nav_context

MAX_OWN_TOKENS = 20


class NewTokenForm(forms.Form):
    name = forms.CharField(label=_("What it is for"), max_length=200)
    scopes = forms.MultipleChoiceField(
        label=_("It may"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.TICKETS_READ],
    )


def _page(request: HttpRequest, form: NewTokenForm, plain: str = "") -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    tokens = ApiToken.objects.filter(user=user, kind=ApiToken.Kind.AGENT).order_by(
        "revoked_at", "-created_at"
    )
    context: dict[str, Any] = {
        **nav_context(request),
        "tokens": tokens,
        "form": form,
        "plain": plain,
        "labels": dict(Scope.choices),
    }
    return render(request, "api/tokens.html", context, status=200)


@agent_required
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, NewTokenForm())
    form = NewTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    user = request.user
    assert isinstance(user, User)
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_OWN_TOKENS:
        form.add_error(None, _("Revoke a token first: you have %(n)d.") % {"n": active})
        return _page(request, form)
    _token, plain = issue_token(
        name=form.cleaned_data["name"],
        user=user,
        scopes=form.cleaned_data["scopes"],
        created_by=user,
    )
    # Rendered, not redirected: the token's text goes nowhere but this one page.
    return _page(request, NewTokenForm(), plain)


@agent_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    token = ApiToken.objects.filter(pk=pk, user=user).first()
    if token is None:
        raise Http404("no such token")
    revoke_token(token)
    return redirect("api-tokens")
