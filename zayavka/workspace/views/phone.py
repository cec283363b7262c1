"""A new ticket from a phone call (R7): find the caller, write down the request."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from zayavka.accounts.models import Contact, Organization, User
from zayavka.accounts.normalize import phone_key
from zayavka.channels.phone.callers import CallerExists, NewCaller, find_callers
from zayavka.channels.phone.receive import Call, CallNotRecorded, record_call
from zayavka.tickets.forms import CategoryAnswersForm
from zayavka.tickets.models import Category, Urgency
from zayavka.workspace.auth import agent_required
from zayavka.workspace.views.common import nav_context


class CallForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    q = forms.CharField(label=gettext_lazy("Find the caller"), required=False, max_length=200)
    contact = forms.ModelChoiceField(
        label=gettext_lazy("Caller"),
        queryset=Contact.objects.all(),
        required=False,
        widget=forms.HiddenInput,
    )
    new_name = forms.CharField(label=gettext_lazy("Full name"), required=False, max_length=300)
    new_phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=64)
    new_email = forms.EmailField(label=gettext_lazy("Email (optional)"), required=False)
    new_organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization (optional)"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label="—",
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    description = forms.CharField(
        label=gettext_lazy("What the caller says"), widget=forms.Textarea(attrs={"rows": 6})
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label="—",
    )
    urgency = forms.ChoiceField(label=gettext_lazy("Urgency"), choices=Urgency.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("contact") is None:
            if not data.get("new_name", "").strip():
                self.add_error("new_name", _("Pick a found caller or give the new one's name."))
            if not phone_key(data.get("new_phone", "")):
                self.add_error("new_phone", _("Give the caller's phone number."))
        return data


@agent_required
@require_http_methods(["GET", "POST"])
def new_call(request: HttpRequest) -> HttpResponse:
    """The call form; «Find» (without JavaScript) redisplays it with the callers found."""
    if request.method == "POST" and "find" not in request.POST:
        return _record(request)
    if request.method == "POST":
        # What was typed so far comes back as it was, without complaints about the rest.
        form = CallForm(initial={k: request.POST.get(k) for k in request.POST if k != "contact"})
        answers = CategoryAnswersForm(_posted_category(request), request.POST)  # not checked
        return _page(request, form, answers, query=request.POST.get("q", ""))
    form = CallForm(initial={"token": secrets.token_urlsafe(16), "urgency": Urgency.NORMAL})
    return _page(request, form, CategoryAnswersForm(None), query=request.GET.get("q", ""))


def _record(request: HttpRequest) -> HttpResponse:
    form = CallForm(request.POST)
    valid = form.is_valid()
    category = form.cleaned_data.get("category") if valid else _posted_category(request)
    answers = CategoryAnswersForm(category, request.POST)
    if not (answers.is_valid() and valid):
        return _page(request, form, answers, status=400)
    data = form.cleaned_data
    assert isinstance(request.user, User)
    call = Call(
        subject=data["subject"],
        description=data["description"],
        category=category,
        fields=answers.cleaned_data,
        urgency=data["urgency"],
    )
    new_caller = None
    if data["contact"] is None:
        new_caller = NewCaller(
            name=data["new_name"].strip(),
            phone=data["new_phone"].strip(),
            email=data["new_email"].strip(),
            organization=data["new_organization"],
        )
    try:
        result = record_call(
            call,
            agent=request.user,
            token=data["token"],
            contact=data["contact"],
            new_caller=new_caller,
        )
    except CallerExists as exc:
        number = data["new_phone"]
        form.add_error("new_phone", exc)
        return _page(request, form, answers, query=number, status=400)
    except CallNotRecorded as exc:
        messages.error(
            request,
            _("The ticket could not be opened; the call was kept for the administrators (%(id)s).")
            % {"id": exc.result.raw_id},
        )
        return _page(request, form, answers, status=400)
    except ValueError:
        form.add_error("contact", _("This contact has no email or phone: add one first."))
        return _page(request, form, answers, status=400)
    messages.success(request, _("Ticket registered."))
    return redirect("workspace:ticket", number=result.ticket_number)


@agent_required
@require_GET
def callers(request: HttpRequest) -> HttpResponse:
    """The live search's results (htmx)."""
    query = request.GET.get("q", "")
    return render(
        request,
        "workspace/phone.html#callers",
        {"query": query, "callers": _callers(query), "picked": None},
    )


@agent_required
@require_GET
def category_fields(request: HttpRequest) -> HttpResponse:
    """The chosen category's form fields (htmx)."""
    category = _posted_category(request, request.GET)
    return render(
        request, "workspace/phone.html#category-fields", {"answers": CategoryAnswersForm(category)}
    )


def _page(
    request: HttpRequest,
    form: CallForm,
    answers: CategoryAnswersForm,
    *,
    query: str = "",
    status: int = 200,
) -> HttpResponse:
    """The form; `answers` are the category form's (`tickets.forms`), with its errors
    once checked."""
    picked = form.cleaned_data.get("contact") if hasattr(form, "cleaned_data") else None
    context = {
        "form": form,
        "query": query,
        "callers": _callers(query),
        "picked": picked,
        "caller_fields": [
            form[n] for n in ("new_name", "new_phone", "new_email", "new_organization")
        ],
        "request_fields": [form[n] for n in ("subject", "description", "urgency")],
        "answers": answers,
        **nav_context(request, "phone"),
    }
    return render(request, "workspace/phone.html", context, status=status)


def _callers(query: str) -> list[dict[str, Any]]:
    return [
        {
            "contact": c,
            "emails": [a.value for a in c.addresses.all() if a.kind == "email"],
            "phones": [a.value for a in c.addresses.all() if a.kind == "phone"],
        }
        for c in find_callers(query)
    ]


def _posted_category(request: HttpRequest, source: Any = None) -> Category | None:
    raw = (source if source is not None else request.POST).get("category", "")
    if not str(raw).isdigit():
        return None
    return Category.objects.filter(pk=int(raw), is_active=True).first()
