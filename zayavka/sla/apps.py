from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.queue import register_periodic_job

# The SLA scanner (warnings, breaches, escalation), by dotted path: see core.queue.
SCAN_JOB = "zayavka.sla.escalation.scan"


class SlaConfig(AppConfig):
    name = "zayavka.sla"
    label = "sla"
    verbose_name = _("Service levels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        register_periodic_job("sla_scan", {"minute": "*"}, SCAN_JOB)
