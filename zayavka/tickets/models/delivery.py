"""Durable queues at the edges: raw inputs coming in, notifications going out."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Channel


class RawInput(models.Model):
    """Every input from outside, kept as received before anything else happens.

    One row per (channel, external id): a second delivery of the same input
    finds this row and changes nothing. Inputs that could not be processed
    stay here as the quarantine, with the reason, until they are retried.
    """

    class State(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        QUARANTINED = "quarantined", _("Quarantined")
        IGNORED = "ignored", _("Ignored")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=500)
    blob_key = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    # The channel's normalised reading of the input (an InboundMessage), so that a
    # retry replays exactly what the channel saw; empty when the channel could not parse it.
    envelope = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    reason = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="raw_inputs",
        verbose_name=_("ticket"),
    )
    received_at = models.DateTimeField(_("received"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("raw input")
        verbose_name_plural = _("raw inputs")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="raw_input_unique"),
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="raw_state_time")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id[:60]} ({self.state})"


class Outbox(models.Model):
    """A notification to deliver; the worker sends it with retries and backoff."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        TELEGRAM = "telegram", _("Telegram")
        PUSH = "push", _("Web push")
        WEBHOOK = "webhook", _("Webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        DEAD = "dead", _("Gave up")
        SUPPRESSED = "suppressed", _("Held back: the recipient's cap is reached")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Writing the same notification twice is a no-op: intake may be replayed.
    dedupe_key = models.CharField(max_length=300, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox",
        verbose_name=_("ticket"),
    )
    message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    recipient = models.CharField(_("recipient"), max_length=320)
    template = models.CharField(_("template"), max_length=100)
    # Automatic mail (notices, auto-replies) counts against the per-recipient caps;
    # an agent's own reply does not.
    automatic = models.BooleanField(_("automatic"), default=True)
    language = models.CharField(_("language"), max_length=8, default="ru")
    context = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    #: Not a column: whether `notices.queue` holds the row back once its recipient's caps
    #: are reached. `notices.build` sets it for automatic mail to outside addresses.
    capped = False

    class Meta:
        verbose_name = _("outgoing notification")
        verbose_name_plural = _("outgoing notifications")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["recipient", "created_at"], name="outbox_recipient_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.template}, {self.state})"
