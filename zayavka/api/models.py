"""API tokens and the idempotency keys of the requests made with them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do; an operation names the one scope it needs."""

    TICKETS_READ = "tickets:read", _("Read tickets and their threads")
    TICKETS_WRITE = "tickets:write", _("Create tickets, change them, reply and add notes")
    CONTACTS_READ = "contacts:read", _("Read contacts")
    CONTACTS_WRITE = "contacts:write", _("Register contacts")
    ORGANIZATIONS_READ = "organizations:read", _("Read organizations")
    CATEGORIES_READ = "categories:read", _("Read categories and their forms")


class ApiToken(models.Model):
    """A bearer token for the API. Only a digest of its secret is stored: the token is
    shown once, when it is made. It acts as its `user` (an agent, or the service account
    of an integration): the workspace's access rules apply to it as to that user."""

    class Kind(models.TextChoices):
        AGENT = "agent", _("An agent's own token")
        INTEGRATION = "integration", _("Integration")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.AGENT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("acts as"),
        help_text=_(
            "The agent whose access the token has. For an integration, a service "
            "account with an agent profile in the teams it may work on."
        ),
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("only this organization"),
        help_text=_(
            "An integration of one client: it sees only that organization's tickets and "
            "contacts, and files requests only for its people."
        ),
    )
    # The token is "zv_<prefix>_<secret>": the prefix finds the row, the secret's
    # SHA-256 is compared (a random 192-bit secret needs no slow hash).
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    rate_limit = models.PositiveIntegerField(
        _("requests per minute"), default=600, help_text=_("0: no limit.")
    )
    # The rate limit's fixed window: when it started and the requests counted in it.
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_hits = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (zv_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return isinstance(self.scopes, list) and scope in self.scopes


class IdempotencyKey(models.Model):
    """The first response to a request made with an `Idempotency-Key`, per token: the
    same key with the same body gets it again; with another body, a conflict."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the operation and the request's body.
    fingerprint = models.CharField(max_length=64)
    # Empty while the first request is still being processed.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_per_token"),
        ]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"
