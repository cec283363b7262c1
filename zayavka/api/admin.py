"""API tokens in the admin: made here for integrations (and agents), shown once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zayavka.api.models import ApiToken, Scope
from zayavka.api.tokens import fill_secret


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiToken
        fields = ["name", "kind", "user", "organization", "scopes", "rate_limit", "revoked_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "kind", "user", "organization", "prefix", "last_used_at", "revoked_at"]
    list_filter = ["kind", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at"]
    raw_id_fields = ["user"]
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        plain = ""
        if not change:
            plain = fill_secret(obj)
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        if plain:
            messages.warning(
                request,
                _("The token, shown this once — copy it now: %(token)s") % {"token": plain},
            )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
