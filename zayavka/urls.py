from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from zayavka.accounts.signin import LimitedLoginView, login_code
from zayavka.core.views import healthz

# The admin's own sign-in page is the desk's (accounts/adminsite.py): every sign-in page
# counts failed passwords under the same limits.
admin.autodiscover()

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("desk/", include("zayavka.workspace.urls")),
    path("", include("zayavka.portal.urls")),
    path("login/", LimitedLoginView.as_view(), name="login"),
    path("login/code/", login_code, name="login-code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
]
