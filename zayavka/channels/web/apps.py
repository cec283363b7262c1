"""The web channel as a Django app: it registers its raw parser with intake."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebChannelConfig(AppConfig):
    name = "zayavka.channels.web"
    label = "web_channel"
    verbose_name = _("Web form channel")

    def ready(self) -> None:
        # Imported here, as Django asks: intake needs the models, which are loaded only now.
        from zayavka.channels.web.parse import parse
        from zayavka.tickets.actions import intake

        intake.RAW_PARSERS["web"] = parse
