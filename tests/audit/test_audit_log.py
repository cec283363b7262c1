"""Every change of the desk's configuration is in the audit log, who made it and what
changed, whether it was made in the admin, in the workspace or by a command; the log is
read in the admin and cannot be edited there."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse

from tests.accounts.test_two_factor import enrol
from tests.personas import Agents
from zayavka.accounts.models import Agent, Contract, Team
from zayavka.audit.models import AuditEntry
from zayavka.sla.models import SlaPlan
from zayavka.webhooks.models import Subscription

pytestmark = pytest.mark.django_db


def post_admin_form(client: Client, url: str, changes: dict[str, Any]) -> Any:
    """Post an admin change form as the browser shows it, with `changes` typed in."""
    page = client.get(url)
    assert page.status_code == 200
    data: dict[str, Any] = {}
    form = page.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= {
            f"{formset.prefix}-{key}": value
            for key, value in formset.management_form.initial.items()
        }
        for sub in formset.initial_forms:
            for name in sub.fields:
                value = sub[name].value()
                if value is not None and value is not False:
                    data[sub.add_prefix(name)] = "on" if value is True else value
    data |= changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].errors
    return response


def entries(model: type, pk: Any) -> list[AuditEntry]:
    kind = ContentType.objects.get_for_model(model)
    return list(AuditEntry.objects.filter(content_type=kind, object_id=str(pk)).order_by("pk"))


def test_a_contract_changed_in_the_admin_is_recorded_with_before_and_after(
    client: Client, agents: Agents
) -> None:
    contract = agents.world.romashka_contract
    client.force_login(agents.root)
    before = contract.auto_close_days
    post_admin_form(
        client,
        reverse("admin:accounts_contract_change", args=[contract.pk]),
        {"auto_close_days": str(before + 4), "title": "Абонентское обслуживание"},
    )
    created, entry = entries(Contract, contract.pk)  # the world made it, root changed it
    assert created.action == "create" and created.source == "command"
    assert entry.action == "update"
    assert entry.actor == agents.root and entry.actor_name == "root"
    assert entry.changes["auto_close_days"] == [before, before + 4]
    assert entry.changes["title"][1] == "Абонентское обслуживание"
    assert set(entry.changes) == {"auto_close_days", "title"}
    assert entry.source == f"POST /admin/accounts/contract/{contract.pk}/change/"


def test_creating_and_deleting_an_sla_plan_are_recorded(client: Client, agents: Agents) -> None:
    client.force_login(agents.root)
    plan = SlaPlan.objects.create(name="Бронзовый", warning_percent=80)
    client.post(reverse("admin:sla_slaplan_delete", args=[plan.pk]), {"post": "yes"})
    created, deleted = entries(SlaPlan, plan.pk)
    assert created.action == "create" and created.changes["name"] == [None, "Бронзовый"]
    assert created.actor is None and created.source == "command"
    assert deleted.action == "delete" and deleted.actor == agents.root
    assert deleted.changes["name"] == ["Бронзовый", None]


def test_roles_and_team_memberships_are_recorded(agents: Agents) -> None:
    anna = Agent.objects.get(user=agents.anna)
    security = Team.objects.create(name="Аудит доступа", is_restricted=True)
    anna.teams.add(security)
    leads = Group.objects.create(name="Team leads")
    agents.anna.groups.add(leads)
    agents.anna.groups.remove(leads)
    team_change = entries(Agent, anna.pk)[-1]
    assert team_change.changes == {"teams": {"added": [str(security)]}}
    added, removed = entries(type(agents.anna), agents.anna.pk)[-2:]
    assert added.changes == {"groups": {"added": ["Team leads"]}}
    assert removed.changes == {"groups": {"removed": ["Team leads"]}}


def test_a_password_change_is_recorded_without_the_password(agents: Agents) -> None:
    agents.anna.set_password("a new long passphrase")
    agents.anna.save()
    entry = entries(type(agents.anna), agents.anna.pk)[-1]
    assert entry.changes == {"password": ["(changed)", "(changed)"]}


def test_turning_on_two_factor_in_the_workspace_is_recorded(client: Client, agents: Agents) -> None:
    client.force_login(agents.anna)
    enrol(client)
    confirmed = AuditEntry.objects.filter(
        content_type__model="totpdevice", action="update", actor=agents.anna
    ).get()
    assert confirmed.changes == {"confirmed": [False, True]}
    assert confirmed.source == "POST /desk/security/"
    assert "key" not in confirmed.changes


def test_a_save_that_changes_nothing_is_not_recorded(agents: Agents) -> None:
    plan = SlaPlan.objects.create(name="Серебряный")
    plan.save()
    assert [e.action for e in entries(SlaPlan, plan.pk)] == ["create"]


def test_the_admin_lists_the_log_read_only_filtered_by_model_user_and_date(
    client: Client, agents: Agents
) -> None:
    contract = agents.world.romashka_contract
    client.force_login(agents.root)
    post_admin_form(
        client,
        reverse("admin:accounts_contract_change", args=[contract.pk]),
        {"title": "Новое название"},
    )
    SlaPlan.objects.create(name="Медный")
    listing = reverse("admin:audit_auditentry_changelist")
    kind = ContentType.objects.get_for_model(Contract)
    page = client.get(listing, {"content_type__id__exact": kind.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert str(contract)[:20] in text and "Медный" not in text
    by_user = client.get(listing, {"actor__id__exact": agents.root.pk}).content.decode()
    assert "Медный" not in by_user and str(contract)[:20] in by_user
    entry = AuditEntry.objects.filter(content_type=kind, action="update").get()
    day = entry.at
    dated = client.get(listing, {"at__year": day.year, "at__month": day.month, "at__day": day.day})
    assert dated.status_code == 200
    detail = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and "Новое название" in detail.content.decode()
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    delete = client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_agent_without_the_permission_does_not_read_the_log(
    client: Client, agents: Agents
) -> None:
    client.force_login(agents.anna)  # staff, no permissions
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403


def test_a_webhook_subscription_is_recorded_without_its_signing_secret() -> None:
    """Where the desk's events go is configuration like any other; the secret that signs
    them is recorded as changed, never written into the log."""
    hook = Subscription.objects.create(
        name="Monitoring", url="https://hooks.example.com/zayavka", events=["ticket.created"]
    )
    hook.url = "https://hooks.example.com/v2"
    hook.secret = "another-secret-value"
    hook.save()
    created, changed = entries(Subscription, hook.pk)
    assert created.action == AuditEntry.Action.CREATE
    assert changed.changes["url"] == [
        "https://hooks.example.com/zayavka",
        "https://hooks.example.com/v2",
    ]
    assert changed.changes["secret"] == ["(changed)", "(changed)"]
    assert "another-secret-value" not in str(created.changes) + str(changed.changes)
