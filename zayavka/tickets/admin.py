from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from zayavka.tickets import intake
from zayavka.tickets.models import (
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
    raw_id_fields = ("requester", "organization", "contract", "merged_into")
    readonly_fields = ("number", "state", "created_at", "updated_at")
    inlines = [MessageInline, EventInline, RatingInline]


@admin.register(RawInput)
class RawInputAdmin(admin.ModelAdmin):
    list_display = ("pk", "channel", "external_id", "state", "attempts", "received_at")
    list_filter = ("state", "channel")
    readonly_fields = [f.name for f in RawInput._meta.fields]
    actions = ["retry_selected"]

    @admin.action(description=_("Retry the selected quarantined inputs"))
    def retry_selected(self, request: object, queryset: object) -> None:
        for raw in queryset.filter(state=RawInput.State.QUARANTINED):  # type: ignore[attr-defined]
            intake.retry(raw.pk)


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "recipient", "template", "state", "attempts", "next_attempt_at")
    list_filter = ("state", "kind", "template")
    readonly_fields = [f.name for f in Outbox._meta.fields]
