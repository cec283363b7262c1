from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.queue import register_periodic_job
from zayavka.core.refcache import clear_on_change

# The SLA scanner (warnings, breaches, escalation), by dotted path: see core.queue.
SCAN_JOB = "zayavka.sla.escalation.scan"


class SlaConfig(AppConfig):
    name = "zayavka.sla"
    label = "sla"
    verbose_name = _("Service levels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from zayavka.sla.models import Calendar, SlaPlan, SlaTarget

        # Rows that cached loaders read (core.refcache): a change clears the cache.
        clear_on_change(Calendar, SlaPlan, SlaTarget)
        register_periodic_job("sla_scan", {"minute": "*"}, SCAN_JOB)
