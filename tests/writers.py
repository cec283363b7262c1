"""Who writes tickets: only `zayavka.tickets.actions` (and migrations) may.

A guard on every database connection the tests open watches each INSERT, UPDATE and
DELETE on the ticket tables and records the statement when no frame of its call stack is
in `zayavka/tickets/actions/`, but one is elsewhere in `zayavka/`: a view, a channel, an
admin action or a job that wrote a ticket model itself. Test set-up that writes rows
directly (factories, a test's own UPDATE) has no `zayavka/` frame and is not the desk's
code, so it passes. The root conftest fails any test after which the guard recorded
something (see `ticket_writers_guard`).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

import zayavka

#: The tables of a ticket, its thread, its links, ratings and history.
TICKET_MODELS = (
    "Ticket",
    "Message",
    "Attachment",
    "TicketEvent",
    "TicketLink",
    "TicketRating",
)
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE
)
_ROOT = os.path.dirname(zayavka.__file__) + os.sep
_ACTIONS = os.path.join(_ROOT, "tickets", "actions") + os.sep
_MIGRATIONS = os.sep + "migrations" + os.sep


@dataclass(frozen=True)
class Violation:
    table: str
    where: str  # the innermost frame of the desk's code: path:line in function

    def __str__(self) -> str:
        return f"{self.where} writes {self.table} outside zayavka/tickets/actions/"


violations: list[Violation] = []


def ticket_tables() -> frozenset[str]:
    tables = set()
    for name in TICKET_MODELS:
        model = apps.get_model("tickets", name)
        tables.add(model._meta.db_table)
        for field in model._meta.many_to_many:
            tables.add(field.remote_field.through._meta.db_table)
    return frozenset(tables)


def caller_outside_actions() -> str:
    """The innermost frame of the desk's own code when no frame is in the actions (or a
    migration); "" when the write is allowed."""
    frame = sys._getframe(2)
    first = ""
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(_ACTIONS) or _MIGRATIONS in path:
            return ""
        if not first and path.startswith(_ROOT):
            first = f"{path[len(_ROOT) :]}:{frame.f_lineno} in {frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return first


def make_guard(tables: frozenset[str]) -> Callable[..., Any]:
    def guard(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        match = _WRITE.match(sql)
        if match is not None and match.group(1) in tables:
            where = caller_outside_actions()
            if where:
                violations.append(Violation(match.group(1), where))
        return execute(sql, params, many, context)

    return guard


def install(connections: Any) -> Callable[[], None]:
    """Guard every connection open now and every one opened later (the live server's
    threads open their own); returns the function that takes the guard off again."""
    guard = make_guard(ticket_tables())

    def on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
        if guard not in connection.execute_wrappers:
            connection.execute_wrappers.append(guard)

    for connection in connections.all():
        on_connect(None, connection)
    connection_created.connect(on_connect, weak=False, dispatch_uid="ticket-writers-guard")

    def uninstall() -> None:
        connection_created.disconnect(dispatch_uid="ticket-writers-guard")
        for connection in connections.all():
            if guard in connection.execute_wrappers:
                connection.execute_wrappers.remove(guard)

    return uninstall
