"""The audit log in the admin: read-only, filtered by model, user and date."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from zayavka.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "content_type", "object_repr", "summary")
    list_filter = ("content_type", "action", "actor", "at")
    date_hierarchy = "at"
    search_fields = ("object_repr", "actor_name", "object_id")
    list_select_related = ("content_type",)
    fields = (
        "at",
        "actor",
        "actor_name",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "diff",
        "source",
    )
    readonly_fields = fields

    @admin.display(description=_("changed fields"))
    def summary(self, entry: AuditEntry) -> str:
        return ", ".join(sorted(entry.changes))

    @admin.display(description=_("changes"))
    def diff(self, entry: AuditEntry) -> str:
        def shown(value: Any) -> str:
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

        rows = []
        for name, change in sorted(entry.changes.items()):
            if isinstance(change, dict):
                before = ", ".join(change.get("removed", []))
                after = ", ".join(change.get("added", []))
            else:
                before, after = shown(change[0]), shown(change[1])
            rows.append((name, before, after))
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("field"),
            _("before"),
            _("after"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
