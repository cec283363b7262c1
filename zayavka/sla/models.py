"""Support-hours calendars and SLA plans that contracts refer to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def default_hours() -> dict[str, list[list[str]]]:
    day = [["09:00", "19:00"]]
    return {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}


class Calendar(models.Model):
    """Working hours per weekday, a country's public holidays and local exceptions."""

    name = models.SlugField(_("name"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    is_24x7 = models.BooleanField(_("24/7"), default=False)
    hours = models.JSONField(_("working hours"), default=default_hours, blank=True)
    country = models.CharField(
        _("public holidays of"),
        max_length=8,
        default="RU",
        blank=True,
        help_text=_("Country code of the production calendar, e.g. RU; empty for none."),
    )
    holidays_extra = models.JSONField(_("extra days off"), default=list, blank=True)
    workdays_extra = models.JSONField(_("extra working days"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")

    def __str__(self) -> str:
        return self.title or self.name


class SlaPlan(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA plan")
        verbose_name_plural = _("SLA plans")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """How fast a plan promises to answer and to resolve at one priority."""

    plan = models.ForeignKey(
        SlaPlan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("SLA plan")
    )
    priority = models.ForeignKey(
        "tickets.Priority",
        on_delete=models.CASCADE,
        related_name="sla_targets",
        verbose_name=_("priority"),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    business_hours = models.BooleanField(
        _("count business hours only"),
        default=True,
        help_text=_("Off: the clock runs around the clock, e.g. for urgent requests."),
    )

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["plan", "priority"], name="sla_target_per_priority"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} / {self.priority}"
