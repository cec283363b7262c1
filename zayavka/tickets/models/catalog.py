"""The desk's configurable vocabularies: statuses, priorities, categories and their forms."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def in_reader_language(ru: str, en: str) -> str:
    """The English text for readers in English, the Russian one for everyone else."""
    return en if (get_language() or "ru").startswith("en") else ru


class Bilingual(models.Model):
    """A name kept in Russian and English; shown in the reader's language."""

    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_reader_language(self.name_ru, self.name_en)


class StatusCategory(models.TextChoices):
    """The fixed meaning behind every configurable status."""

    NEW = "new", _("New")
    OPEN = "open", _("In progress")
    PENDING = "pending", _("Waiting for requester")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Status(Bilingual):
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    category = models.CharField(_("category"), max_length=16, choices=StatusCategory.choices)
    is_default = models.BooleanField(
        _("default for its category"),
        default=False,
        help_text=_("The status a ticket gets when it enters this category."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(is_default=True),
                name="one_default_status_per_category",
            ),
        ]


class Priority(Bilingual):
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("Higher is more urgent.")
    )
    color = models.CharField(_("colour"), max_length=16, default="#6b7280")
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-rank"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")


class Urgency(models.TextChoices):
    """How urgent the requester says it is (R11); priority is the desk's decision."""

    LOW = "low", _("Not urgent")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("Urgent")
    CRITICAL = "critical", _("Critical: work has stopped")


class Category(Bilingual):
    """A problem type with its ticket form: which fields to ask for (R11, R12)."""

    slug = models.SlugField(_("code"), max_length=64, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    hint_ru = models.TextField(_("what a good report contains (Russian)"), blank=True)
    hint_en = models.TextField(_("what a good report contains (English)"), blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="categories",
        verbose_name=_("team"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    @property
    def hint(self) -> str:
        return in_reader_language(self.hint_ru, self.hint_en)


class CategoryField(models.Model):
    """One field of a category's ticket form."""

    class Kind(models.TextChoices):
        TEXT = "text", _("One line")
        TEXTAREA = "textarea", _("Several lines")
        CHOICE = "choice", _("Choice")

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="fields", verbose_name=_("category")
    )
    key = models.SlugField(_("key"), max_length=64)
    label_ru = models.CharField(_("label (Russian)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    hint_ru = models.CharField(_("hint (Russian)"), max_length=500, blank=True)
    hint_en = models.CharField(_("hint (English)"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_(
            'The offered answers, each with its labels: [{"value": "sending", "ru": '
            '"отправка", "en": "sending"}, …]. The value is what the ticket keeps.'
        ),
    )
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [
            models.UniqueConstraint(fields=["category", "key"], name="field_key_per_category"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_reader_language(self.label_ru, self.label_en)

    @property
    def hint(self) -> str:
        return in_reader_language(self.hint_ru, self.hint_en)

    def options(self) -> list[tuple[str, str]]:
        """The offered answers as (value, label in the reader's language). A choice given
        as a plain string is its own value and label in both languages."""
        found = []
        for choice in self.choices or []:
            if isinstance(choice, dict):
                value = str(choice.get("value", ""))
                label = in_reader_language(
                    str(choice.get("ru") or value), str(choice.get("en") or value)
                )
                found.append((value, label))
            else:
                found.append((str(choice), str(choice)))
        return found

    def value_of(self, answer: str) -> str:
        """The offered value an answer stands for: itself, or, for an answer kept before
        the choices had labels per language («отправка / sending»), the value whose two
        labels it joins. "" when no offered value matches."""
        for choice in self.choices or []:
            if isinstance(choice, dict):
                value = str(choice.get("value", ""))
                if answer in (value, f"{choice.get('ru')} / {choice.get('en')}"):
                    return value
            elif answer == str(choice):
                return answer
        return ""

    def label_of(self, answer: str) -> str:
        """An answer as the reader reads it: its label, or the answer itself."""
        value = self.value_of(answer)
        return next((label for v, label in self.options() if v == value), answer)

    def clean(self) -> None:
        super().clean()
        for choice in self.choices or []:
            if isinstance(choice, dict):
                if not str(choice.get("value", "")).strip():
                    raise ValidationError({"choices": _("Every choice needs a value.")})
            elif not isinstance(choice, str):
                raise ValidationError({"choices": _("A choice is a text or {value, ru, en}.")})
