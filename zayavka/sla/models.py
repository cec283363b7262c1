"""Support-hours calendars and SLA plans that contracts refer to."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
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
    """A level of service: targets per priority and how deadlines are escalated (R26)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warn when this share of the time is used (%)"),
        default=80,
        validators=[MaxValueValidator(99)],
        help_text=_(
            "The assignee (or the team lead) is warned when this percentage of the promised "
            "time has passed; 0 turns warnings off."
        ),
    )
    head_after_minutes = models.PositiveIntegerField(
        _("tell the head of the helpdesk after a breach (minutes)"),
        default=60,
        help_text=_(
            "A missed deadline goes to the assignee and the team lead at once, and to the "
            "head of the helpdesk this many minutes later, at any hour."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA plan")
        verbose_name_plural = _("SLA plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(warning_percent__lte=99), name="sla_plan_warning_below_100"
            ),
        ]

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


class SlaEscalation(models.Model):
    """One escalation step taken for one deadline of a ticket: the scanner's log.

    The unique constraint is what makes each step happen once: the scanner that inserts
    the row is the one that notifies. A recomputed deadline is another deadline, so its
    steps may happen again.
    """

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")

    class Step(models.TextChoices):
        WARNING = "warning", _("Warning before the deadline")
        BREACH = "breach", _("Deadline missed")
        HEAD = "head", _("Head of the helpdesk told")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="sla_escalations",
        verbose_name=_("ticket"),
    )
    target = models.CharField(_("deadline of"), max_length=16, choices=Target.choices)
    step = models.CharField(_("step"), max_length=8, choices=Step.choices)
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("SLA escalation")
        verbose_name_plural = _("SLA escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "step", "deadline"], name="sla_escalation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.step} @ {self.deadline:%Y-%m-%d %H:%M}"
