"""Who is who: client companies, their contracts and people, and the desk's staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from zayavka.accounts.normalize import email_key, identifier_key, number_key, phone_key


class Channel(models.TextChoices):
    """Where a request came from; every channel feeds the same intake."""

    EMAIL = "email", _("Email")
    WEB = "web", _("Web form")
    PORTAL = "portal", _("Client portal")
    TELEGRAM = "telegram", _("Telegram")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    AGENT = "agent", _("Agent workspace")


class User(AbstractUser):
    """A person who signs in: an agent of the desk or a client's portal user."""

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        """The user's full name, else their username."""
        return self.get_full_name() or self.get_username()


class Organization(models.Model):
    class Kind(models.TextChoices):
        CLIENT = "client", _("Client")
        PROSPECT = "prospect", _("Prospect")

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PROSPECT)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_client(self) -> bool:
        return self.kind == self.Kind.CLIENT


class OrganizationIdentifier(models.Model):
    """A key that tells us a request is from this organization (R20)."""

    class Kind(models.TextChoices):
        EMAIL_DOMAIN = "email_domain", _("Email domain")
        SITE_DOMAIN = "site_domain", _("Site domain")
        ACCOUNT_NUMBER = "account_number", _("Account or invoice number")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="identifiers",
        verbose_name=_("organization"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=255)
    key = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("organization identifier")
        verbose_name_plural = _("organization identifiers")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="org_identifier_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.key = identifier_key(self.kind, self.value)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Contract(models.Model):
    """A support contract: its SLA, support hours and what each channel accepts."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("organization"),
    )
    number = models.CharField(_("contract number"), max_length=100)
    number_key = models.CharField(max_length=100, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300, blank=True)
    sla_plan = models.ForeignKey(
        "sla.SlaPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("SLA plan"),
    )
    calendar = models.ForeignKey(
        "sla.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("support hours calendar"),
    )
    is_24x7 = models.BooleanField(_("24/7 support"), default=False)
    auto_close_days = models.PositiveSmallIntegerField(
        _("close resolved tickets after (days)"), default=3
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organization__name", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"№ {self.number} ({self.organization})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.number_key = number_key(self.number)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ContentKind(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Images")
    DOCUMENT = "document", _("Documents")
    ARCHIVE = "archive", _("Archives")
    AUDIO = "audio", _("Voice and audio")
    VIDEO = "video", _("Video")
    OTHER = "other", _("Other files")


class ChannelPolicy(models.Model):
    """What a channel accepts under a contract (R9); no row means the desk default."""

    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        related_name="channel_policies",
        verbose_name=_("contract"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    max_attachment_bytes = models.PositiveIntegerField(
        _("largest attachment (bytes)"),
        default=10 * 1024 * 1024,
        help_text=_("0 forbids attachments on this channel."),
    )
    allowed_kinds = models.JSONField(
        _("allowed content kinds"),
        default=list,
        blank=True,
        help_text=_(
            "Empty allows every kind. Kinds: text, image, document, archive, audio, video, other."
        ),
    )

    class Meta:
        verbose_name = _("channel policy")
        verbose_name_plural = _("channel policies")
        constraints = [
            models.UniqueConstraint(fields=["contract", "channel"], name="policy_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.get_channel_display()}"


class Contact(models.Model):
    """A person who files requests; belongs to an organization when we know it."""

    class Role(models.TextChoices):
        REQUESTER = "requester", _("Requester")
        MANAGER = "manager", _("Manager (sees all company tickets)")

    name = models.CharField(_("full name"), max_length=300, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REQUESTER)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
        verbose_name=_("portal account"),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name or self.primary_address or f"#{self.pk}"

    @property
    def primary_address(self) -> str:
        first = self.addresses.order_by("-is_primary", "pk").first()
        return first.value if first else ""

    @cached_property
    def email(self) -> str:
        """The contact's primary email (intake primes it when it matched by email)."""
        first = (
            self.addresses.filter(kind=ContactAddress.Kind.EMAIL)
            .order_by("-is_primary", "pk")
            .first()
        )
        return first.value if first else ""


class ContactAddress(models.Model):
    """An email, phone or Telegram id by which we recognise a contact.

    ``confirmed_by`` says what showed that the address is the contact's: a confirmed
    portal account, a DKIM/DMARC pass our MTA recorded, or an agent. An address created
    by the sender's own mail is not confirmed (R27): mail from it is not "registered".
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        TELEGRAM = "telegram", _("Telegram id")

    class Confirmation(models.TextChoices):
        NONE = "", _("Not confirmed")
        AGENT = "agent", _("Confirmed by an agent")
        PORTAL = "portal", _("Confirmed portal account")
        AUTHENTICATED = "authenticated", _("Authenticated mail (DKIM/DMARC)")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("contact")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=320)
    key = models.CharField(max_length=320, editable=False)
    is_primary = models.BooleanField(_("primary"), default=False)
    confirmed_by = models.CharField(
        _("confirmed by"), max_length=16, choices=Confirmation.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("contact address")
        verbose_name_plural = _("contact addresses")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="contact_address_unique"),
        ]

    def __str__(self) -> str:
        return self.value

    def save(self, *args: object, **kwargs: object) -> None:
        self.key = address_key(self.kind, self.value)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def address_key(kind: str, value: str) -> str:
    if kind == ContactAddress.Kind.EMAIL:
        return email_key(value)
    if kind == ContactAddress.Kind.PHONE:
        return phone_key(value)
    return value.strip()


class Team(models.Model):
    class Assignment(models.TextChoices):
        MANUAL = "manual", _("Manual: agents take tickets themselves")
        ROUND_ROBIN = "round_robin", _("Round robin among agents on shift")
        LEAST_LOADED = "least_loaded", _("Agent on shift with the fewest open tickets")

    name = models.CharField(_("name"), max_length=200, unique=True)
    email = models.EmailField(_("team email"), blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("team lead"),
    )
    is_restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Only members see this team's tickets."),
    )
    assignment = models.CharField(
        _("assignment"),
        max_length=16,
        choices=Assignment.choices,
        default=Assignment.MANUAL,
        help_text=_("How new tickets in this team's queue get an agent."),
    )
    # The round-robin cursor: the next ticket goes to the first eligible agent after it.
    last_assigned = models.ForeignKey(
        "Agent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("last assigned agent"),
    )

    class Meta:
        ordering = ["name"]
        # Not «groups»: the admin lists Django's permission groups beside them.
        verbose_name = _("support team")
        verbose_name_plural = _("support teams")

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A specialist of the desk: a user with teams, skills and a shift."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent",
        verbose_name=_("user"),
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="agents", verbose_name=_("teams"))
    skills = models.JSONField(_("skills"), default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_head = models.BooleanField(
        _("head of the helpdesk"),
        default=False,
        help_text=_("Receives escalations and complaints at any hour."),
    )
    is_on_shift = models.BooleanField(_("on shift"), default=True)
    # Least-loaded assignment breaks ties in favour of whoever waited longest.
    last_assigned_at = models.DateTimeField(
        _("last ticket assigned"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return self.user.display_name


class RoutingRule(models.Model):
    """Sends a new ticket to a team (R25). Every condition given must hold; the first
    active rule by position wins; without a match the ticket goes to its category's team."""

    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Rules are tried from the lowest position up.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    category = models.ForeignKey(
        "tickets.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_rules",
        verbose_name=_("category"),
        help_text=_("Matches this category and its subcategories."),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_rules",
        verbose_name=_("organization"),
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="routing_rules",
        verbose_name=_("contract"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    keywords = models.JSONField(
        _("keywords"),
        default=list,
        blank=True,
        help_text=_(
            "Words or phrases looked for in the subject and the first message; any one "
            "of them is enough. Case and «ё»/«е» do not matter. End a word with * to "
            "match all its forms: «бухгалтер*»."
        ),
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("team")
    )
    required_skills = models.JSONField(
        _("required skills"),
        default=list,
        blank=True,
        help_text=_("Only agents who have all of these skills get the ticket."),
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for name in ("keywords", "required_skills"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({name: _("Give a list of words.")})
        if (
            self.contract is not None
            and self.organization_id is not None
            and self.contract.organization_id != self.organization_id
        ):
            raise ValidationError({"contract": _("This contract belongs to another organization.")})
