"""Notices import nothing above the models: actions, views and channels call them, never
the other way round, so that any of them may tell people without an import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zayavka

ROOT = Path(zayavka.__file__).parent
# What the notices may know: the models, pure rules and leaves below them.
ALLOWED = (
    "zayavka.accounts.models",
    "zayavka.accounts.normalize",
    "zayavka.core.refcache",
    "zayavka.tickets.models",
    "zayavka.tickets.notices",
    "zayavka.tickets.policy",
    "zayavka.tickets.threading",
    "zayavka.tickets.tokens",
)


def imports(path: Path) -> list[tuple[str, ast.stmt]]:
    """Every module the file imports (``from zayavka.tickets import tokens`` names
    ``zayavka.tickets.tokens``), with the statement."""
    found: list[tuple[str, ast.stmt]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(f"{node.module}.{alias.name}", node) for alias in node.names]
    return found


@pytest.mark.parametrize("name", ["tickets/notifications.py", "tickets/notices.py"])
def test_notices_import_nothing_above_the_models(name: str) -> None:
    path = ROOT / name
    ours = [module for module, _ in imports(path) if module.startswith("zayavka")]
    above = [m for m in ours if not any(m == a or m.startswith(f"{a}.") for a in ALLOWED)]
    assert not above, f"{name} imports {above}"


@pytest.mark.parametrize("name", ["tickets/notifications.py", "tickets/notices.py"])
def test_notices_import_at_the_top(name: str) -> None:
    """An import inside a function hides a dependency (and often a cycle)."""
    tree = ast.parse((ROOT / name).read_text())
    top = {id(node) for node in tree.body}
    inner = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top
    ]
    assert not inner, f"{name}: imports inside functions at lines {inner}"
