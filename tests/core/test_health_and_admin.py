"""The operator's view: /healthz, the admin in Russian and English, structured logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import World, inbound
from zayavka.accounts.models import User
from zayavka.core.jobs import beat
from zayavka.core.logs import JsonFormatter
from zayavka.core.models import WorkerHeartbeat
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_healthz_is_unhealthy_without_a_worker_and_healthy_with_a_fresh_heartbeat(
    plain_client: Client,
) -> None:
    response = plain_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "worker": "no heartbeat"}
    beat()
    assert plain_client.get("/healthz").status_code == 200
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    stale = plain_client.get("/healthz")
    assert stale.status_code == 503 and stale.json()["checks"]["worker"].startswith("stale")


ADMIN_PAGES = [
    "accounts_organization",
    "accounts_contract",
    "accounts_contact",
    "accounts_team",
    "accounts_agent",
    "accounts_user",
    "sla_calendar",
    "sla_slaplan",
    "tickets_status",
    "tickets_priority",
    "tickets_category",
    "tickets_ticket",
    "tickets_rawinput",
    "tickets_outbox",
    "accounts_routingrule",
    "email_channel_mailbox",
    "sla_slaescalation",
    "tickets_attachment",
]


@pytest.mark.parametrize(("language", "title"), [("ru", "Организации"), ("en", "Organizations")])
def test_an_administrator_configures_the_desk_in_russian_or_english(
    plain_client: Client, language: str, title: str
) -> None:
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    plain_client.force_login(admin)
    plain_client.cookies["django_language"] = language
    for page in ADMIN_PAGES:
        for view in ("changelist", "add"):
            if view == "add" and page in {
                "tickets_rawinput",
                "tickets_outbox",
                "sla_slaescalation",
                "tickets_attachment",
                "tickets_ticket",
            }:
                continue
            response = plain_client.get(reverse(f"admin:{page}_{view}"))
            assert response.status_code == 200, (page, view)
    index = plain_client.get(reverse("admin:index")).content.decode()
    assert title in index


def test_the_login_page_speaks_russian_by_default(plain_client: Client) -> None:
    page = plain_client.get("/login/").content.decode()
    assert "Войти" in page and "Пароль" in page


def test_logs_are_one_json_object_per_line_with_extra_fields() -> None:
    record = logging.LogRecord(
        "zayavka.intake", logging.WARNING, __file__, 1, "input quarantined", None, None
    )
    record.raw = 42
    line = JsonFormatter().format(record)
    data = json.loads(line)
    assert data["msg"] == "input quarantined" and data["raw"] == 42
    assert data["level"] == "warning" and "\n" not in line


def test_the_admin_shows_a_tickets_clock_and_handling_but_does_not_edit_them(
    plain_client: Client, world: World
) -> None:
    intake.receive(inbound(email="o.smirnov@romashka.ru"))
    ticket = Ticket.objects.get()
    plain_client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    page = plain_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    # Read only: a ticket changes through the workspace's actions, which keep its
    # deadlines, history and notices.
    assert page.context["adminform"].form.fields == {}
    for name in ("status", "priority", "contract", "assignee", "resolution_due"):
        assert name in page.context["adminform"].readonly_fields, name


def test_the_favicon_is_there_for_pages_that_name_none(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/zayavka/icon.svg")
    assert finders.find("zayavka/icon.svg")
