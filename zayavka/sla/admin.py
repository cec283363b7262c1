from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zayavka.sla.business_time import add_business_minutes
from zayavka.sla.models import Calendar, SlaEscalation, SlaPlan, SlaTarget
from zayavka.sla.service import work_calendar_for, working_periods

#: What the calendar check shows: this many working periods and a deadline this far ahead.
CHECK_PERIODS = 5
CHECK_MINUTES = 120
_DATA_FIELDS = ("timezone", "is_24x7", "hours", "country", "holidays_extra", "workdays_extra")


class CalendarForm(forms.ModelForm):
    """Refuses a calendar that SLA deadlines could not be computed on."""

    class Meta:
        model = Calendar
        fields = ("name", "title", *_DATA_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not any(field in self.errors for field in _DATA_FIELDS):
            probe = Calendar(**{field: cleaned.get(field) for field in _DATA_FIELDS})
            try:
                work_calendar_for(probe)
            except ValueError as error:
                raise ValidationError(
                    _("This calendar cannot be used: %(error)s"), params={"error": error}
                ) from error
        return cleaned


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    form = CalendarForm
    list_display = ("name", "title", "timezone", "country", "is_24x7")
    readonly_fields = ("calendar_check",)

    @admin.display(description=_("Calendar check"))
    def calendar_check(self, obj: Calendar | None) -> str:
        """The next working periods and a sample deadline, as the saved calendar gives them."""
        if obj is None or obj.pk is None:
            return gettext("Save the calendar to check it.")
        try:
            cal = work_calendar_for(obj)
        except ValueError as error:
            return gettext("This calendar cannot be used: %(error)s") % {"error": error}
        now = timezone.now()
        due = add_business_minutes(cal, now, CHECK_MINUTES)
        if cal.always_open:
            periods: SafeString = format_html("<p>{}</p>", gettext("Open around the clock."))
        else:
            periods = format_html(
                "<p>{}</p><ul>{}</ul>",
                gettext("Next working periods:"),
                format_html_join(
                    "",
                    "<li>{} – {}</li>",
                    (
                        (_moment(opening), _moment(closing, same_day_as=opening))
                        for opening, closing in working_periods(cal, now, CHECK_PERIODS)
                    ),
                ),
            )
        return format_html(
            "{}<p>{}</p><p>{}</p>",
            periods,
            gettext("%(minutes)d business minutes from now fall due on %(due)s.")
            % {"minutes": CHECK_MINUTES, "due": _moment(due)},
            gettext("Times are in the calendar's time zone, %(zone)s.") % {"zone": cal.timezone},
        )


def _moment(moment: datetime, *, same_day_as: datetime | None = None) -> str:
    if same_day_as is not None and moment.date() == same_day_as.date():
        return date_format(moment, "H:i")
    return date_format(moment, "D, Y-m-d H:i")


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


@admin.register(SlaPlan)
class SlaPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "warning_percent", "head_after_minutes")
    fieldsets = (
        (None, {"fields": ("name",)}),
        (_("Escalation"), {"fields": ("warning_percent", "head_after_minutes")}),
    )
    inlines = [SlaTargetInline]


@admin.register(SlaEscalation)
class SlaEscalationAdmin(admin.ModelAdmin):
    """The scanner's log, read-only: what was escalated, for which deadline, and when."""

    list_display = ("ticket", "target", "step", "deadline", "created_at")
    list_filter = ("step", "target")
    search_fields = ("=ticket__number",)
    list_select_related = ("ticket",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
