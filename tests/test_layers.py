"""The architecture, checked: only the actions write ticket models, and the function-level
imports in the desk's code are the few that have a reason. (The import layers themselves
are import-linter's contracts in pyproject.toml, run by bin/check.)"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests import writers
from tests.factories import World
from tests.personas import file_ticket
from zayavka.tickets.models import Ticket

ROOT = Path(writers._ROOT)

#: The function-level imports the desk keeps, and why; any other one fails the test.
EXPLAINED_IMPORTS: dict[tuple[str, str], str] = {
    ("channels/email/apps.py", "zayavka.channels.email.inbound"): (
        "AppConfig.ready(): the parser needs the models, loaded only then"
    ),
    ("channels/email/apps.py", "zayavka.tickets.actions"): (
        "AppConfig.ready(): intake needs the models, loaded only then"
    ),
    ("channels/web/apps.py", "zayavka.channels.web.parse"): (
        "AppConfig.ready(): the replay parser registers with intake, which needs the models"
    ),
    ("channels/web/apps.py", "zayavka.tickets.actions"): "AppConfig.ready(), as above",
    ("channels/phone/apps.py", "zayavka.channels.phone.parse"): (
        "AppConfig.ready(): the replay parser registers with intake, which needs the models"
    ),
    ("channels/phone/apps.py", "zayavka.tickets.actions"): "AppConfig.ready(), as above",
    ("channels/telegram/apps.py", "zayavka.channels.telegram.receive"): (
        "AppConfig.ready(): the replay parser registers with intake, which needs the models"
    ),
    ("channels/telegram/apps.py", "zayavka.channels.telegram.send"): (
        "AppConfig.ready(): the outbox handler registers with the outbox, which needs the models"
    ),
    ("channels/telegram/apps.py", "zayavka.tickets"): "AppConfig.ready(), as above (the outbox)",
    ("channels/telegram/apps.py", "zayavka.tickets.actions"): "AppConfig.ready(), as above",
    ("webhooks/apps.py", "zayavka.tickets"): (
        "AppConfig.ready(): the outbox's handler registers there, which needs the models"
    ),
    ("webhooks/apps.py", "zayavka.tickets.models"): "AppConfig.ready(), as above",
    ("webhooks/apps.py", "zayavka.webhooks.delivery"): "AppConfig.ready(), as above",
    ("channels/email/conformance.py", "base64"): "only the conformance report reads YAML",
    ("channels/email/conformance.py", "yaml"): "PyYAML is a development dependency",
    ("channels/email/management/commands/mail.py", "zayavka.channels.email.deliver"): (
        "`mail deliver` starts once per message: each subcommand imports only its own part"
    ),
    ("channels/email/management/commands/mail.py", "zayavka.channels.email.parsing"): (
        "`mail parse` alone needs the parser"
    ),
    ("channels/email/management/commands/mail.py", "asyncio"): "`mail listen` alone runs a loop",
    ("channels/email/management/commands/mail.py", "logging"): "`mail listen` alone",
    ("channels/email/management/commands/mail.py", "zayavka.channels.email.lmtp"): (
        "`mail listen` alone needs aiosmtpd"
    ),
    ("channels/email/management/commands/mail.py", "zayavka.channels.email"): (
        "`mail poll` alone needs imap-tools"
    ),
    ("channels/email/management/commands/mail.py", "zayavka.channels.email.models"): (
        "`mail poll` alone reads the mailboxes"
    ),
    ("channels/email/mime.py", "tnefparse"): "winmail.dat is rare: tnefparse loads on demand",
    ("cli.py", "django.conf"): "the command sets DJANGO_SETTINGS_MODULE before Django loads",
    ("cli.py", "django.core.management"): "the same",
    ("core/apps.py", "django.contrib"): "AppConfig.ready(): the admin site is set up then",
    ("audit/apps.py", "zayavka.audit"): (
        "AppConfig.ready(): the recorder connects to the models' signals, loaded only then"
    ),
    ("sla/calendars.py", "holidays"): (
        "holidays imports every country's calendar: loaded when a calendar is first built"
    ),
}


@pytest.mark.django_db
def test_a_write_to_a_ticket_outside_the_actions_is_caught(world: World) -> None:
    ticket = file_ticket(world, "Не работает сайт")
    view = compile(
        "Ticket.objects.filter(pk=pk).update(subject='changed behind the actions')",
        str(ROOT / "workspace" / "views" / "imaginary.py"),
        "exec",
    )
    exec(view, {"Ticket": Ticket, "pk": ticket.pk})
    action = compile(
        "Ticket.objects.filter(pk=pk).update(subject='changed by an action')",
        str(ROOT / "tickets" / "actions" / "imaginary.py"),
        "exec",
    )
    exec(action, {"Ticket": Ticket, "pk": ticket.pk})
    found = list(writers.violations)
    writers.violations.clear()  # caught: this test's own write must not fail it
    assert [str(v) for v in found] == [
        "workspace/views/imaginary.py:1 in <module> writes tickets_ticket"
        " outside zayavka/tickets/actions/"
    ]


_WRITES = {
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "bulk_update",
    "delete",
}


def _writes_a_ticket_model(call: ast.Call) -> bool:
    """`Ticket.objects….update(…)` and the like, `Ticket.participants.through.objects…`."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in _WRITES):
        return False
    node: ast.expr = call.func.value
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            return isinstance(base, ast.Name) and base.id in writers.TICKET_MODELS
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def _desk_modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts and "actions" not in path.relative_to(ROOT).parts
    ]


def test_no_module_outside_the_actions_writes_a_ticket_model_by_its_manager() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _desk_modules()
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call) and _writes_a_ticket_model(node)
    ]
    assert found == []


def test_the_only_function_level_imports_are_the_explained_ones() -> None:
    found: set[tuple[str, str]] = set()
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and inner.module:
                        found.add((str(path.relative_to(ROOT)), inner.module))
                    elif isinstance(inner, ast.Import):
                        found |= {(str(path.relative_to(ROOT)), a.name) for a in inner.names}
    unexplained = sorted(found - set(EXPLAINED_IMPORTS))
    assert unexplained == [], (
        "import at the top of the module, or say in EXPLAINED_IMPORTS why not: "
        + os.linesep.join(f"{p}: {m}" for p, m in unexplained)
    )
    assert sorted(set(EXPLAINED_IMPORTS) - found) == [], "no longer imported in a function"


@pytest.mark.django_db
def test_the_admin_shows_a_ticket_but_changes_and_deletes_none(world: World) -> None:
    ticket = file_ticket(world, "Не работает сайт")
    admin_user = get_user_model().objects.create_superuser("boss", "boss@desk.example", "pw")
    client = Client()
    client.force_login(admin_user)
    page = f"/admin/tickets/ticket/{ticket.pk}/change/"
    assert client.get(page).status_code == 200
    client.post(page, {"subject": "changed in the admin"})
    client.post(f"/admin/tickets/ticket/{ticket.pk}/delete/", {"post": "yes"})
    ticket.refresh_from_db()
    assert ticket.subject == "Не работает сайт"
    assert client.get("/admin/tickets/ticket/add/").status_code == 403
