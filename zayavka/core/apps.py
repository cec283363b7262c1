from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zayavka.core.queue import register_periodic_job

# The worker's heartbeat (/healthz reads it), by dotted path: see core.queue.
HEARTBEAT_JOB = "zayavka.core.jobs.beat"


class CoreConfig(AppConfig):
    name = "zayavka.core"
    label = "core"
    verbose_name = _("Core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        admin.site.site_header = _("Zayavka administration")
        admin.site.site_title = _("Zayavka")
        admin.site.index_title = _("Service desk settings")
        register_periodic_job("heartbeat", {"minute": "*"}, HEARTBEAT_JOB)
