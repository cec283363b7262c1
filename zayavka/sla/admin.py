from django.contrib import admin

from zayavka.sla.models import Calendar, SlaPlan, SlaTarget


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "timezone", "country", "is_24x7")


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(SlaPlan)
class SlaPlanAdmin(admin.ModelAdmin):
    list_display = ("name",)
    inlines = [SlaTargetInline]
