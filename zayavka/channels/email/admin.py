from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from zayavka.channels.email.models import Mailbox


class MailboxForm(forms.ModelForm):
    # Never sent back to the browser: an empty field keeps the stored password.
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "is_active",
            "poll_interval",
            "host",
            "port",
            "security",
            "ca_file",
            "username",
            "password",
            "folder",
            "after_stored",
            "processed_folder",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The stored password is the instance's; the form's initial value must not carry it.
        self.initial.pop("password", None)

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if password:
            return password
        if self.instance.pk and self.instance.password:
            return self.instance.password
        raise forms.ValidationError(_("Enter the mailbox's password."))


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = (
        "name",
        "host",
        "username",
        "folder",
        "security",
        "is_active",
        "last_poll_at",
        "short_error",
    )
    list_filter = ("is_active", "security")
    search_fields = ("name", "host", "username")
    readonly_fields = ("last_poll_at", "last_error")
    fieldsets = (
        (None, {"fields": ("name", "is_active", "poll_interval")}),
        (_("Server"), {"fields": ("host", "port", "security", "ca_file", "username", "password")}),
        (_("Messages"), {"fields": ("folder", "after_stored", "processed_folder")}),
        (_("Last poll"), {"fields": ("last_poll_at", "last_error")}),
    )

    @admin.display(description=_("last error"))
    def short_error(self, mailbox: Mailbox) -> str:
        return mailbox.last_error[:100]
