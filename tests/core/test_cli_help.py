"""`zayavka --help` leads with the product's own commands, one line each, and is quick:
it starts no Django."""

from __future__ import annotations

import subprocess
import sys


def test_help_leads_with_the_products_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "zayavka.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},  # no settings needed for the usage
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("usage: zayavka")
    commands = [line.split()[0] for line in lines if line.startswith("  ")]
    assert commands[:2] == ["serve", "worker"]
    for command in ("mail", "quarantine", "sla"):
        assert command in commands
    assert "django" not in done.stdout[:200].lower()
