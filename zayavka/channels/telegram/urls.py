from django.urls import path

from zayavka.channels.telegram.views import webhook

app_name = "telegram"

urlpatterns = [path("telegram/webhook", webhook, name="webhook")]
