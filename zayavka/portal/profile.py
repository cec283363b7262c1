"""A client's own profile: name, phone, the language of our emails; and their password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zayavka.accounts.models import Contact
from zayavka.channels.telegram.tokens import link_token
from zayavka.portal import membership
from zayavka.portal.forms import ProfileForm


def telegram_link(contact: Contact) -> dict[str, str]:
    """The signed deep link that links a Telegram chat to this contact (R4): a t.me link
    when the bot's @username is known, and the command it sends either way."""
    if not settings.ZAYAVKA_TELEGRAM_TOKEN:
        return {}
    token = link_token(contact.pk)
    username = settings.ZAYAVKA_TELEGRAM_BOT_USERNAME.lstrip("@")
    return {
        "url": f"https://t.me/{username}?start={token}" if username else "",
        "command": f"/start {token}",
    }


def _own_contact(request: HttpRequest) -> Contact:
    """The signed-in person's contact; agents without one have no profile here."""
    contact = Contact.objects.filter(user_id=request.user.pk or 0).select_related("user").first()
    if contact is None:
        raise Http404("no client account")
    return contact


@login_required(login_url="portal:login")
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    contact = _own_contact(request)
    phone = membership.main_phone(contact)
    initial = {
        "name": contact.name,
        "phone": phone.value if phone is not None else "",
        "language": contact.language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership.update_profile(
                contact, name=data["name"], phone=data["phone"], language=data["language"]
            )
        except membership.PhoneTaken:
            form.add_error("phone", _("This number cannot be used here; ask the desk to add it."))
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal:profile")
    return render(
        request,
        "portal/profile.html",
        {
            "form": form,
            "contact": contact,
            "email": contact.user.email if contact.user else "",
            "telegram": telegram_link(contact),
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("portal/profile/", profile, name="profile"),
    path(
        "portal/password/change/",
        login_required(
            auth_views.PasswordChangeView.as_view(
                template_name="portal/password_change_form.html",
                success_url=reverse_lazy("portal:password_change_done"),
            ),
            login_url="portal:login",
        ),
        name="password_change",
    ),
    path(
        "portal/password/change/done/",
        login_required(
            auth_views.PasswordChangeDoneView.as_view(
                template_name="portal/password_change_done.html"
            ),
            login_url="portal:login",
        ),
        name="password_change_done",
    ),
]
