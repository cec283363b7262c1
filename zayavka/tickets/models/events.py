"""The audit trail: every change of a ticket, who made it and from where (R32)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    CREATED = "created", _("Ticket registered")
    MESSAGE = "message", _("Message added")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    ASSIGNED = "assigned", _("Assigned")
    REOPENED = "reopened", _("Reopened")
    LINKED = "linked", _("Linked")
    FIELDS = "fields", _("Fields changed")
    FLAGGED = "flagged", _("Flagged")
    CLIENT = "client", _("Client identified")
    QUARANTINED = "quarantined", _("Input quarantined")
    RATED = "rated", _("Resolution rated")
    ROUTED = "routed", _("Routed to a team")
    TAKEN = "taken", _("Taken by an agent")
    DEADLINES = "deadlines", _("Deadlines recomputed")
    SLA_WARNING = "sla_warning", _("Deadline approaching")
    SLA_BREACH = "sla_breach", _("Deadline missed")
    ESCALATED = "escalated", _("Escalated")
    ATTACHMENT_WITHHELD = "att_withheld", _("Attachment withheld by policy")
    ATTACHMENT_RELEASED = "att_released", _("Withheld attachment released")


class TicketEvent(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("ticket"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by staff"),
    )
    actor_contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by contact"),
    )
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"
