import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zayavka.settings")
django_application = get_asgi_application()

from zayavka.core.bodylimit import LimitRequestBody  # noqa: E402 - needs the settings

application = LimitRequestBody(django_application)
