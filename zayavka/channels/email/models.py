"""The IMAP mailboxes the desk polls, configured in the admin."""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses: the only hosts spoken to in clear."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def no_control_characters(value: str) -> None:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError(_("Control characters are not allowed here."))


class Mailbox(models.Model):
    """An IMAP folder whose messages become tickets and replies.

    A message is marked on the server (flagged, or moved to ``processed_folder``) only
    once intake has committed it, so the mailbox itself holds whatever is not yet in
    the desk; a message marked twice is impossible to lose, and one read twice is a
    duplicate that intake ignores.
    """

    class Security(models.TextChoices):
        SSL = "ssl", _("TLS (IMAPS)")
        STARTTLS = "starttls", _("STARTTLS")
        PLAIN = "plain", _("None (loopback only)")

    class AfterStored(models.TextChoices):
        FLAG = "flag", _("Mark it read and tag it")
        MOVE = "move", _("Move it to another folder")

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("server"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"),
        default=993,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
        help_text=_("Usually 993 for TLS, 143 for STARTTLS."),
    )
    security = models.CharField(
        _("connection security"), max_length=16, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(_("user name"), max_length=255)
    # Kept as entered: the server needs it in clear. The admin never shows it back.
    password = models.CharField(_("password"), max_length=500)
    folder = models.CharField(
        _("folder"), max_length=255, default="INBOX", validators=[no_control_characters]
    )
    after_stored = models.CharField(
        _("once stored"),
        max_length=16,
        choices=AfterStored.choices,
        default=AfterStored.FLAG,
        help_text=_(
            "What happens to a message on the server once the desk has it. A tag "
            "($ZayavkaStored) is used where the server allows keywords, else the read flag."
        ),
    )
    processed_folder = models.CharField(
        _("folder for stored messages"),
        max_length=255,
        default="Zayavka/Processed",
        blank=True,
        validators=[no_control_characters],
        help_text=_("Created if missing. Use / between levels."),
    )
    ca_file = models.CharField(
        _("CA certificate file"),
        max_length=500,
        blank=True,
        help_text=_(
            "Path on the worker's machine to a PEM file to trust, for a server with a "
            "self-signed certificate. Empty: the system's certificate authorities."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    poll_interval = models.PositiveIntegerField(
        _("poll interval, seconds"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(86400)],
    )
    last_poll_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    # When the next poll is due: a poller claims it with a conditional UPDATE, so that
    # several workers never poll the same mailbox in the same round.
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("IMAP mailbox")
        verbose_name_plural = _("IMAP mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.security == self.Security.PLAIN and self.host and not is_loopback(self.host):
            errors["security"] = ValidationError(
                _("Without TLS the password would cross the network in clear: only a "
                  "server on this machine (127.0.0.1, localhost) may be used so.")
            )  # fmt: skip
        if self.after_stored == self.AfterStored.MOVE:
            target = self.processed_folder.strip().strip("/")
            if not target:
                errors["processed_folder"] = ValidationError(_("Name the folder to move to."))
            elif target.lower() == self.folder.strip().strip("/").lower():
                errors["processed_folder"] = ValidationError(
                    _("Stored messages must go to a folder other than the one polled.")
                )
        if errors:
            raise ValidationError(errors)
