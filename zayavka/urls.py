from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from zayavka.accounts.signin import LimitedAdminAuthenticationForm, LimitedLoginView
from zayavka.api import pages as api_pages
from zayavka.api.main import api
from zayavka.core.views import healthz

admin.autodiscover()
# Every sign-in page counts failed passwords under the same limits (accounts/signin.py).
admin.site.login_form = LimitedAdminAuthenticationForm

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("desk/api-tokens/", api_pages.tokens, name="api-tokens"),
    path("desk/api-tokens/<int:pk>/revoke/", api_pages.revoke, name="api-token-revoke"),
    path("desk/", include("zayavka.workspace.urls")),
    path("", include("zayavka.portal.urls")),
    path("login/", LimitedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
]
