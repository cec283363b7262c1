from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.refcache import clear_on_change


class SlaConfig(AppConfig):
    name = "zayavka.sla"
    label = "sla"
    verbose_name = _("Service levels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Rows that cached loaders read (core.refcache): a change clears the cache.
        clear_on_change(*map(self.get_model, ("Calendar", "SlaPlan", "SlaTarget")))
