from django.contrib import admin

from zayavka.core.models import WorkerHeartbeat

admin.site.register(WorkerHeartbeat)
