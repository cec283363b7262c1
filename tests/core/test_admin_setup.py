"""An administrator sets up a new client in the admin alone: a support calendar, an SLA
plan with its targets, the organization with its mail domain, the contract with its
channel policy. The next email from that client gets the plan's deadline on the
calendar's hours, and a file over the policy's limit is withheld."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import inbound
from zayavka.accounts.models import Contract, User
from zayavka.sla.business_time import add_business_minutes
from zayavka.sla.models import Calendar
from zayavka.sla.service import work_calendar_for
from zayavka.tickets import outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.inbound import InboundAttachment
from zayavka.tickets.models import Attachment, Priority, Ticket

pytestmark = pytest.mark.django_db


def submit(
    plain_client: Client, url: str, values: dict[str, Any], inlines: dict[str, list[dict]]
) -> None:
    """Fill the admin's add form as a browser would post it, and check it was saved."""
    page = plain_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value  # as the page renders it (JSON fields already as text)
    for name, value in values.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        rows = inlines.get(prefix, [])
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, row in enumerate(rows):
            data |= {f"{prefix}-{i}-{key}": value for key, value in row.items()}
    response = plain_client.post(url, data)
    errors = response.context and (
        response.context["adminform"].form.errors,
        [fs.formset.errors for fs in response.context["inline_admin_formsets"]],
    )
    assert response.status_code == 302, errors


def test_an_administrator_sets_up_a_client_contract_and_the_next_email_follows_it(
    plain_client: Client,
) -> None:
    plain_client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    plain_client.cookies["django_language"] = "ru"
    urgent = Priority.objects.get(slug="urgent")
    normal = Priority.objects.get(slug="normal")

    # Support from Yekaterinburg, 8:00-17:00 on working days, one extra day off.
    hours = {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    submit(
        plain_client,
        reverse("admin:sla_calendar_add"),
        {
            "name": "ekb-8-17",
            "title": "Екатеринбург, 8–17",
            "timezone": "Asia/Yekaterinburg",
            "hours": forms.JSONField().prepare_value(hours),
            "holidays_extra": '["2026-11-27"]',
        },
        {},
    )
    submit(
        plain_client,
        reverse("admin:sla_slaplan_add"),
        {"name": "Золотой", "warning_percent": "75", "head_after_minutes": "30"},
        {
            "targets": [
                {
                    "priority": urgent.pk,
                    "first_response_minutes": "15",
                    "resolution_minutes": "120",
                    "business_hours": "on",
                },
                {
                    "priority": normal.pk,
                    "first_response_minutes": "60",
                    "resolution_minutes": "480",
                    "business_hours": "on",
                },
            ]
        },
    )
    submit(
        plain_client,
        reverse("admin:accounts_organization_add"),
        {"name": "ООО «Лесной»", "kind": "client"},
        {"identifiers": [{"kind": "email_domain", "value": "lesnoy.ru"}]},
    )
    from zayavka.accounts.models import Organization
    from zayavka.sla.models import SlaPlan

    submit(
        plain_client,
        reverse("admin:accounts_contract_add"),
        {
            "organization": Organization.objects.get(name="ООО «Лесной»").pk,
            "number": "ЛС-2026/01",
            "sla_plan": SlaPlan.objects.get(name="Золотой").pk,
            "calendar": Calendar.objects.get(name="ekb-8-17").pk,
            "auto_close_days": "3",
        },
        {
            "channel_policies": [
                {
                    "channel": "email",
                    "max_attachment_bytes": "1000",
                    "allowed_kinds": '["text", "image", "document"]',
                }
            ]
        },
    )
    contract = Contract.objects.get(number="ЛС-2026/01")

    # Thursday 26 Nov 2026, 16:30 in Yekaterinburg; Friday 27 is the extra day off.
    received = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
    big = InboundAttachment(
        filename="дамп.pdf", content_type="application/pdf", content=b"x" * 5000
    )
    small = InboundAttachment(filename="скрин.png", content_type="image/png", content=b"\x89PNG")
    result = intake.receive(
        inbound(
            "Не проводится документ, срочно",
            email="buh@lesnoy.ru",
            subject="Ошибка в 1С",
            received_at=received,
            attachments=(big, small),
        )
    )
    assert result.result == "created" and result.ticket_number is not None
    ticket = Ticket.objects.get(number=result.ticket_number)
    assert ticket.contract == contract and ticket.priority == normal  # a client: normal+
    calendar = work_calendar_for(contract.calendar)
    assert ticket.resolution_due == add_business_minutes(calendar, received, 480)
    # 30 minutes on Thursday, then Monday 30 Nov from 8:00: 7 h 30 min more.
    local_due = timezone.localtime(ticket.resolution_due, ZoneInfo(calendar.timezone))
    assert (local_due.date().isoformat(), local_due.hour, local_due.minute) == (
        "2026-11-30",
        15,
        30,
    )
    kept = dict(Attachment.objects.filter(ticket=ticket).values_list("filename", "withheld"))
    assert kept == {"дамп.pdf": True, "скрин.png": False}

    outbox.deliver_due()
    (notice,) = [m for m in mail.outbox if "зарегистрирована" in str(m.subject)]
    assert "30.11.2026 13:30 MSK" in str(notice.body)  # 15:30 in Yekaterinburg
