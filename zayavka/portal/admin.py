from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import User
from zayavka.portal import membership
from zayavka.portal.models import JoinRequest


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["contact", "organization", "via", "state", "created_at"]
    list_filter = ["state", "via"]
    readonly_fields = ["contact", "organization", "via", "state", "decided_by", "decided_at"]
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve the selected requests"))
    def approve(self, request: HttpRequest, queryset: QuerySet[JoinRequest]) -> None:
        assert isinstance(request.user, User)
        for item in queryset:
            membership.decide(item, approve=True, by=request.user)

    @admin.action(description=_("Reject the selected requests"))
    def reject(self, request: HttpRequest, queryset: QuerySet[JoinRequest]) -> None:
        assert isinstance(request.user, User)
        for item in queryset:
            membership.decide(item, approve=False, by=request.user)
