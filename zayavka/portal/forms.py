"""The portal's forms: the public request form, sign-up, sign-in, the profile, replies,
ratings."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zayavka.accounts.models import Contact
from zayavka.accounts.normalize import phone_key
from zayavka.accounts.signin import LimitedAuthenticationForm
from zayavka.channels.web.tokens import form_token_id
from zayavka.portal import emails
from zayavka.tickets.forms import CategoryAnswersForm, portal_prefix
from zayavka.tickets.inbound import MAX_SUBJECT
from zayavka.tickets.models import Category, StatusCategory, Urgency

MAX_DESCRIPTION = 50_000
# The honeypot: hidden from people by CSS, filled in by bots that fill in everything.
HONEYPOT = "website"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class RequestForm(forms.Form):
    """A new request (R2, R11): who, what, how urgent, with the category's own fields."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=300)
    company = forms.CharField(label=gettext_lazy("Company"), max_length=300)
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=300)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=64)
    category = forms.ModelChoiceField(
        label=gettext_lazy("What is it about"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("— choose the topic —"),
    )
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=Urgency.choices)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=MAX_SUBJECT)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = MultipleFileField(label=gettext_lazy("Files"))
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, contact: Contact | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contact = contact
        if contact is not None:
            # A signed-in requester files as themselves: the address is the account's.
            self.fields["email"].disabled = True
            self.fields["email"].required = False
        # Every active category's form, each under its own names: without JavaScript all
        # are shown, and only the chosen category's answers are checked and kept.
        data = self.data if self.is_bound else None
        self.category_forms = [
            CategoryAnswersForm(category, data, prefix=portal_prefix(category))
            for category in Category.objects.filter(is_active=True).prefetch_related("fields")
            if category.fields.all()
        ]

    def chosen_answers(self) -> CategoryAnswersForm | None:
        """The chosen category's form, once the category was checked."""
        category = getattr(self, "cleaned_data", {}).get("category")
        return next((f for f in self.category_forms if f.category == category), None)

    def is_valid(self) -> bool:
        """The request's own fields, and the chosen category's answers (checked by
        `clean`; their errors show at their fields, in `tickets/_category_answers.html`)."""
        valid = super().is_valid()
        answers = self.chosen_answers()
        return valid and (answers is None or answers.is_valid())

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        try:
            form_token_id(token)
        except signing.BadSignature as exc:
            raise ValidationError(_("The form has expired; please send it again.")) from exc
        return token

    def clean_subject(self) -> str:
        subject = " ".join(str(self.cleaned_data["subject"]).split())
        if not subject:
            raise ValidationError(_("This field is required."))
        return subject

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers = self.chosen_answers()
        data["answers"] = answers.cleaned_data if answers and answers.is_valid() else {}
        return data


class ReplyForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=300)
    text = forms.CharField(
        label=gettext_lazy("Your reply"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label=gettext_lazy("Files"))

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        try:
            form_token_id(token)
        except signing.BadSignature as exc:
            raise ValidationError(_("The form has expired; please send it again.")) from exc
        return token


SCORES = [
    (5, gettext_lazy("5 — excellent")),
    (4, gettext_lazy("4 — good")),
    (3, gettext_lazy("3 — acceptable")),
    (2, gettext_lazy("2 — poor")),
    (1, gettext_lazy("1 — very poor")),
]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("Your score"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea,
    )


class SignupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=300)
    # The address is the login, and a login is at most 150 characters.
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=150)
    phone = forms.CharField(label=gettext_lazy("Phone (optional)"), max_length=64, required=False)
    contract_number = forms.CharField(
        label=gettext_lazy("Contract number (optional)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "To join your company's account; a manager or the desk approves it."
        ),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            try:
                password_validation.validate_password(one)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *StatusCategory.choices],
    )
    requester = forms.TypedChoiceField(
        label=gettext_lazy("Requester"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, people: Sequence[Contact] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["requester"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Everyone"))] + [(c.pk, str(c)) for c in people]
        if not people:
            del self.fields["requester"]


class EmailAuthenticationForm(LimitedAuthenticationForm):
    """Clients sign in with their email address (it is their login); failed attempts
    are limited like the workspace's."""

    error_messages = {
        **LimitedAuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("Please enter the email and password of your account."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")

    def clean_username(self) -> str:
        return str(self.cleaned_data.get("username", "")).strip().lower()


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password recovery, with the email queued in the outbox."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        emails.queue_password_reset(
            recipient=to_email,
            uidb64=context["uid"],
            token=context["token"],
            dedupe_key=f"portal_reset:{context['uid']}:{secrets.token_hex(8)}",
        )


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=150)


class ProfileForm(forms.Form):
    """What a client may change about themselves; the address is the login and stays."""

    name = forms.CharField(label=gettext_lazy("Full name"), max_length=300)
    phone = forms.CharField(label=gettext_lazy("Phone (optional)"), max_length=64, required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of our emails"),
        required=False,
        help_text=gettext_lazy("Without a choice, the desk's language."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *settings.LANGUAGES]

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data["name"]).split())
        if not name:
            raise ValidationError(_("This field is required."))
        return name

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone") or "").strip()
        if phone and len(phone_key(phone)) < 5:
            raise ValidationError(_("Enter a phone number with its digits."))
        return phone
