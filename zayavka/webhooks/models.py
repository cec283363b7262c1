"""Who is told of what: webhook subscriptions, and the log of every delivery attempt."""

from __future__ import annotations

import secrets

from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """The events a subscription may ask for (docs/api.md lists their payloads)."""

    TICKET_CREATED = "ticket.created", _("Ticket created")
    STATUS_CHANGED = "ticket.status_changed", _("Status changed")
    PUBLIC_REPLY = "ticket.public_reply", _("Public reply to the requester")
    SLA_WARNING = "ticket.sla_warning", _("SLA deadline approaching")
    SLA_BREACH = "ticket.sla_breach", _("SLA deadline missed")
    RATED = "ticket.rated", _("Resolution rated")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(
        _("URL"),
        max_length=300,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("http or https; the desk POSTs a signed JSON body to it."),
    )
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        help_text=_("The receiver checks the Zayavka-Signature header with it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    allow_private_network = models.BooleanField(
        _("allow private and loopback addresses"),
        default=False,
        help_text=_(
            "Off: deliveries to hosts that resolve to a private, loopback or link-local "
            "address are refused. Turn on only for a receiver inside your own network."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One attempt to deliver one event to one subscription."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    outbox = models.ForeignKey(
        "tickets.Outbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outbox row"),
    )
    event = models.CharField(_("event"), max_length=50)
    event_id = models.CharField(_("event id"), max_length=50)
    url = models.CharField(_("URL"), max_length=300)
    attempt = models.PositiveIntegerField(_("attempt"))
    ok = models.BooleanField(_("delivered"), default=False)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    response_excerpt = models.TextField(_("response (start)"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.url} ({self.status_code or self.error[:40]})"
