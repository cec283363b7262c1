from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from zayavka.accounts.models import User
from zayavka.core.admin import ReadOnlyAdmin
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.attachments import release_attachments
from zayavka.tickets.models import (
    Attachment,
    Category,
    CategoryField,
    Message,
    Outbox,
    Priority,
    RawInput,
    Status,
    Ticket,
    TicketEvent,
    TicketRating,
)


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_ru", "name_en", "category", "is_default", "position")
    list_editable = ("position",)


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_ru", "name_en", "rank", "is_default")


class CategoryFieldInline(admin.StackedInline):
    model = CategoryField
    extra = 0
    fields = (
        ("key", "kind", "required", "position"),
        ("label_ru", "label_en"),
        ("hint_ru", "hint_en"),
        "choices",
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_ru", "name_en", "team", "is_active", "position")
    list_filter = ("is_active", "team")
    inlines = [CategoryFieldInline]


class MessageInline(admin.StackedInline):
    model = Message
    extra = 0
    fields = ("created_at", "direction", "kind", "channel", "author_contact", "author_user", "text")
    readonly_fields = fields
    can_delete = False


class WithheldAttachmentInline(admin.TabularInline):
    """Files the channel policy kept out of the thread (R9), until an agent releases them."""

    model = Attachment
    verbose_name = _("withheld attachment")
    verbose_name_plural = _("attachments withheld by the channel policy")
    extra = 0
    fields = ("filename", "content_type", "size", "is_inline", "message", "withheld_reason")
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).filter(withheld=True)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _release(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, attachments: QuerySet[Attachment]
) -> None:
    by = request.user if isinstance(request.user, User) else None
    count = release_attachments(attachments.filter(withheld=True).select_related("ticket"), by=by)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d attachment released into its thread.",
            "%(count)d attachments released into their threads.",
            count,
        )
        % {"count": count},
    )


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "kind", "actor_user", "actor_contact", "channel", "data")
    readonly_fields = fields
    can_delete = False


class RatingInline(admin.TabularInline):
    model = TicketRating
    extra = 0
    fields = ("resolved_at", "score", "comment", "rated_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "subject",
        "status",
        "priority",
        "organization",
        "assignee",
        "channel",
        "created_at",
    )
    list_filter = ("state", "priority", "channel", "verification", "team")
    search_fields = ("=number", "subject")
    raw_id_fields = ("requester", "merged_into")
    # What drives deadlines, escalation and the history changes only through the
    # actions (the workspace): an edit here would leave the clock and the events behind.
    readonly_fields = (
        "number",
        "state",
        "status",
        "priority",
        "organization",
        "contract",
        "assignee",
        "team",
        "first_response_due",
        "resolution_due",
        "first_responded_at",
        "sla_paused_at",
        "sla_paused",
        "sla_next_check_at",
        "resolved_at",
        "closed_at",
        "created_at",
        "updated_at",
    )
    inlines = [MessageInline, WithheldAttachmentInline, EventInline, RatingInline]
    actions = ["release_withheld"]

    # A ticket is read here and changed in the workspace, whose actions keep its
    # deadlines, history and notices; nobody adds, edits or deletes one in the admin.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Release the withheld attachments of the selected tickets"))
    def release_withheld(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        _release(self, request, Attachment.objects.filter(ticket__in=queryset))


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "filename",
        "ticket",
        "content_type",
        "size",
        "is_inline",
        "withheld",
        "withheld_reason",
    )
    list_filter = ("withheld", "is_inline")
    list_select_related = ("ticket",)
    search_fields = ("filename", "=ticket__number")
    readonly_fields = [f.name for f in Attachment._meta.fields]
    actions = ["release_withheld"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a file of a thread stays; releasing it is the action above

    @admin.action(description=_("Release the selected withheld attachments into their threads"))
    def release_withheld(self, request: HttpRequest, queryset: QuerySet[Attachment]) -> None:
        _release(self, request, queryset)


@admin.register(RawInput)
class RawInputAdmin(ReadOnlyAdmin):
    list_display = ("pk", "channel", "external_id", "state", "reason", "attempts", "received_at")
    list_filter = ("state", "channel")
    search_fields = ("external_id", "reason")
    readonly_fields = [f.name for f in RawInput._meta.fields]
    actions = ["retry_selected"]

    @admin.action(description=_("Retry the selected quarantined inputs"))
    def retry_selected(self, request: object, queryset: object) -> None:
        for raw in queryset.filter(state=RawInput.State.QUARANTINED):  # type: ignore[attr-defined]
            intake.retry(raw.pk)


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "kind",
        "recipient",
        "template",
        "automatic",
        "state",
        "attempts",
        "next_attempt_at",
    )
    list_filter = ("state", "kind", "automatic", "template")
    readonly_fields = [f.name for f in Outbox._meta.fields]
