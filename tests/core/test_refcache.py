"""The per-process cache of reference rows (core.refcache) is cleared by every change to
a row that a cached loader reads, in any process, whichever modules it has imported."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import models
from django.test import Client

from tests.factories import AgentFactory, World
from zayavka.accounts.models import (
    Agent,
    ChannelPolicy,
    Contract,
    Organization,
    RoutingRule,
    Team,
    User,
)
from zayavka.core import refcache
from zayavka.sla.models import Calendar, SlaPlan, SlaTarget
from zayavka.tickets.models import Category, Priority, Status
from zayavka.webhooks.models import Subscription

# Every model a `cached(...)` loader reads, and who reads it. A loader that starts reading
# another model adds it here and registers it in its app's AppConfig.ready().
READ_BY_LOADERS: dict[type[models.Model], str] = {
    Status: "tickets.catalog, workspace.options",
    Priority: "tickets.catalog, workspace.options",
    Category: "tickets.routing (category parents), workspace.options",
    Team: "tickets.routing (rules carry their team), workspace.options",
    Organization: "workspace.options (organizations, contract labels)",
    Contract: "tickets.identify (active contracts), workspace.options",
    Calendar: "tickets.identify (contracts with their calendars)",
    ChannelPolicy: "tickets.policy",
    RoutingRule: "tickets.routing",
    Agent: "tickets.notifications (head of the desk), workspace.options (agents)",
    User: "tickets.notifications (head of the desk), workspace.options (agents)",
    SlaPlan: "sla.escalation",
    SlaTarget: "sla.service",
    Subscription: "webhooks.emit (the active subscriptions)",
}
ROOT = Path(__file__).resolve().parents[2]

# Run in a new interpreter: Django set up as any process starts, then each model's
# post_save and post_delete sent, without importing any module that reads the cache.
FRESH_PROCESS = """
import json, sys
import django
django.setup()
from django.apps import apps
from django.db.models.signals import post_delete, post_save
from zayavka.core import refcache

report = {"not_cleared": [], "options_imported": "zayavka.workspace.options" in sys.modules}
for label in sys.argv[1:]:
    model = apps.get_model(label)
    for change, signal, kwargs in (
        ("save", post_save, {"created": False, "update_fields": None, "raw": False}),
        ("delete", post_delete, {"origin": None}),
    ):
        probe = refcache.cached("probe", object)
        signal.send(sender=model, instance=model(), using="default", **kwargs)
        if refcache.cached("probe", object) is probe:
            report["not_cleared"].append(f"{label} {change}")
print(json.dumps(report))
"""


def test_a_change_to_any_row_a_loader_reads_clears_the_cache_in_a_fresh_process(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "ZAYAVKA_DATA_DIR": str(tmp_path / "var"), "ZAYAVKA_SECRET_KEY": "t"}
    env["DJANGO_SETTINGS_MODULE"] = "zayavka.settings"
    labels = [model._meta.label for model in READ_BY_LOADERS]
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, *labels],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["not_cleared"] == []
    # The only reader of organizations had not even been imported: only ready() registers.
    assert report["options_imported"] is False


def test_only_app_configs_register_models_with_the_cache() -> None:
    """A registration at the bottom of a reader module would only run once that module
    happened to be imported."""
    callers = set()
    for path in (ROOT / "zayavka").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "clear_on_change":
                callers.add(str(path.relative_to(ROOT)))
    assert callers == {
        "zayavka/accounts/apps.py",
        "zayavka/sla/apps.py",
        "zayavka/tickets/apps.py",
        "zayavka/webhooks/apps.py",
    }


def cache_probe() -> object:
    return refcache.cached("probe", object)


@pytest.mark.django_db
def test_saving_or_deleting_reference_rows_clears_the_cache(world: World) -> None:
    plan = SlaPlan.objects.create(name="Стандарт")
    policy = ChannelPolicy.objects.create(contract=world.romashka_contract, channel="email")
    rows: list[models.Model] = [
        Status.objects.order_by("pk")[0],
        Priority.objects.order_by("pk")[0],
        world.category,
        plan,
        policy,
        world.team,
        world.romashka,
    ]
    for row in rows:
        probe = cache_probe()
        row.save()
        assert cache_probe() is not probe, type(row).__name__
    probe = cache_probe()
    policy.delete()
    assert cache_probe() is not probe


@pytest.mark.django_db
def test_signing_in_keeps_the_cache_and_renaming_an_agent_clears_it(client: Client) -> None:
    agent = AgentFactory.create()
    agent.user.set_password("s3cret-pass")
    agent.user.save()
    probe = cache_probe()
    signed_in = client.post(
        "/desk/login/", {"username": agent.user.username, "password": "s3cret-pass"}
    )
    assert signed_in.status_code == 302
    assert client.login(username=agent.user.username, password="s3cret-pass")
    assert User.objects.get(pk=agent.user.pk).last_login is not None  # the sign-in saved it
    assert cache_probe() is probe

    agent.user.first_name = "Анна"
    agent.user.save(update_fields=["first_name"])
    assert cache_probe() is not probe
