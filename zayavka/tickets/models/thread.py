"""What was said on a ticket: messages and their attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Channel


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("From requester")
        OUTBOUND = "out", _("From the desk")

    class Kind(models.TextChoices):
        REPLY = "reply", _("Public reply")
        NOTE = "note", _("Internal note")
        SYSTEM = "system", _("System note")

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("ticket"),
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.REPLY)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    author_contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("author (contact)"),
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("author (staff)"),
    )
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML (sanitised)"), blank=True)
    # Dedupe key from the channel: Message-ID, Telegram update id, idempotency key.
    external_id = models.CharField(_("external id"), max_length=500, blank=True)
    # The RFC 5322 Message-ID this message carried or was sent with, for threading.
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True, db_index=True)
    raw = models.ForeignKey(
        "tickets.RawInput",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("raw input"),
    )
    is_abusive = models.BooleanField(_("abusive"), default=False)
    meta = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="message_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.REPLY


class AttachmentQuerySet(models.QuerySet["Attachment"]):
    def visible(self) -> AttachmentQuerySet:
        """What the thread shows: everything the channel policy did not withhold."""
        return self.filter(withheld=False)

    def withheld(self) -> AttachmentQuerySet:
        return self.filter(withheld=True)


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("ticket"),
    )
    # Where the bytes are: chosen by the server, never derived from the sender's name.
    storage_key = models.CharField(max_length=300)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    is_inline = models.BooleanField(_("inline"), default=False)
    content_id = models.CharField(max_length=300, blank=True)
    # An attachment the contract's channel policy does not admit (too large, a kind
    # not allowed) is kept, but out of the thread, until an agent releases it.
    withheld = models.BooleanField(_("withheld by policy"), default=False)
    withheld_reason = models.CharField(_("why withheld"), max_length=300, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
