"""The answers to a category's form (its `CategoryField`s): one Django form, drawn by one
partial (`tickets/_category_answers.html`), wherever someone fills it in: the portal's
new request, the phone form and the ticket page.

Each answer is posted as `<prefix><key>`: `field-<key>` on the desk (the phone form and
the ticket page, which show one category's form at a time), `cf_<category id>_<key>` on
the portal, which draws every category's form at once and shows the chosen one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from zayavka.tickets.models import Category, CategoryField

FIELD_PREFIX = "field-"
# Longer answers are cut: intake and the ticket keep at most this much of each.
MAX_ANSWER = 5000


def portal_prefix(category: Category) -> str:
    return f"cf_{category.pk}_"


@dataclass(frozen=True)
class AnswerRow:
    """One field as the partial draws it."""

    field: forms.BoundField
    spec: CategoryField
    value: str
    errors: list[str]
    is_choice: bool
    is_textarea: bool


class CategoryAnswersForm(forms.Form):
    """The answers to `category`'s form (none for no category).

    The one rule, wherever the form is filled in: each answer is stripped and cut to
    MAX_ANSWER characters; a required field left empty is «This field is required.»;
    a choice field takes only one of its offered values. `cleaned_data` holds the
    non-empty answers by key. The partial shows errors only once the form was checked
    (`is_valid()`), so a form bound to what was typed so far may be redrawn as it is.
    """

    def __init__(
        self,
        category: Category | None,
        data: Mapping[str, Any] | None = None,
        *,
        initial: Mapping[str, Any] | None = None,
        prefix: str = FIELD_PREFIX,
    ) -> None:
        super().__init__(data, initial=dict(initial or {}), prefix=prefix)
        self.category = category
        self.specs: list[CategoryField] = list(category.fields.all()) if category else []
        for spec in self.specs:
            self.fields[spec.key] = forms.CharField(
                label=spec.label + (" *" if spec.required else ""),
                help_text=spec.hint,
                required=False,
            )

    def add_prefix(self, field_name: str) -> str:
        # The prefix is the whole start of the name ("field-", "cf_3_"), with no "-" added.
        return f"{self.prefix}{field_name}" if self.prefix else field_name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers: dict[str, Any] = {}
        for spec in self.specs:
            value = str(data.get(spec.key) or "").strip()[:MAX_ANSWER]
            if not value:
                if spec.required:
                    self.add_error(spec.key, _("This field is required."))
                continue
            if spec.kind == CategoryField.Kind.CHOICE and spec.choices:
                value = spec.value_of(value)
                if not value:
                    self.add_error(spec.key, _("Choose one of the offered values."))
                    continue
            answers[spec.key] = value
        return answers

    def rows(self) -> list[AnswerRow]:
        """The fields with what they hold, and their errors once the form was checked."""
        checked = hasattr(self, "cleaned_data")
        rows = []
        for spec in self.specs:
            bound = self[spec.key]
            value = bound.value()
            if spec.kind == CategoryField.Kind.CHOICE and value:
                # An answer kept before the choices had labels shows as its choice.
                value = spec.value_of(str(value)) or value
            rows.append(
                AnswerRow(
                    field=bound,
                    spec=spec,
                    value="" if value is None else str(value),
                    errors=[str(e) for e in self.errors.get(spec.key, [])] if checked else [],
                    is_choice=spec.kind == CategoryField.Kind.CHOICE,
                    is_textarea=spec.kind == CategoryField.Kind.TEXTAREA,
                )
            )
        return rows
