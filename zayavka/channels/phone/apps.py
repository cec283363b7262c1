"""The phone channel as a Django app: it registers its raw parser with intake."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhoneChannelConfig(AppConfig):
    name = "zayavka.channels.phone"
    label = "phone_channel"
    verbose_name = _("Phone channel")

    def ready(self) -> None:
        # Imported here, as Django asks: intake needs the models, which are loaded only now.
        from zayavka.channels.phone.parse import parse
        from zayavka.tickets.actions import intake

        intake.RAW_PARSERS["phone"] = parse
