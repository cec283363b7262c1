"""What the Telegram channel keeps: every update as it came, the chats linked to
contacts, and how its receiver last fared (for /healthz)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.models import Contact


class TelegramUpdate(models.Model):
    """One update from the Bot API, kept before it is handled: the unique update id is
    the dedupe, the state says whether it was handled."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Handled")
        FAILED = "failed", _("Failed (quarantined)")

    update_id = models.BigIntegerField(_("update id"), unique=True)
    raw = models.TextField(_("raw update"))
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    result = models.CharField(_("result"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"))
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram update")
        verbose_name_plural = _("Telegram updates")

    def __str__(self) -> str:
        return f"update {self.update_id} ({self.state})"


class TelegramChat(models.Model):
    """A private chat whose Telegram account was proven to be a contact's (a signed deep
    link from the portal, or their own phone number shared): its messages count as that
    contact's, verified like a signed-in portal user."""

    class Via(models.TextChoices):
        DEEP_LINK = "deep_link", _("Signed link from the portal")
        PHONE = "phone", _("Shared phone number")
        EMAIL_CODE = "email_code", _("Code sent to the registered email")

    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="telegram_chats", verbose_name=_("contact")
    )
    linked_via = models.CharField(_("linked via"), max_length=16, choices=Via.choices)
    linked_at = models.DateTimeField(_("linked"))

    class Meta:
        verbose_name = _("linked Telegram chat")
        verbose_name_plural = _("linked Telegram chats")

    def __str__(self) -> str:
        return f"chat {self.chat_id} → {self.contact_id}"


class LinkCode(models.Model):
    """A one-time code mailed to a contact's registered address, waiting to be typed in
    the chat that asked for it: one per chat, kept as an HMAC, with a few tries."""

    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("Telegram link code")
        verbose_name_plural = _("Telegram link codes")

    def __str__(self) -> str:
        return f"code for chat {self.chat_id}"


class ReceiverStatus(models.Model):
    """How the poller or the webhook last fared: /healthz reports a failure newer than
    the last success, or a poller that has not succeeded for too long."""

    name = models.CharField(_("receiver"), max_length=32, unique=True)
    ok_at = models.DateTimeField(_("last success"), null=True, blank=True)
    failed_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("Telegram receiver status")
        verbose_name_plural = _("Telegram receiver statuses")

    def __str__(self) -> str:
        return self.name
