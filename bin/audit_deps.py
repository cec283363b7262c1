"""The dependency audit of `bin/check`: pip-audit over the versions uv.lock pins.

    uv export --frozen --format requirements-txt --no-emit-project > locked.txt
    uv run --frozen python bin/audit_deps.py locked.txt

Fails (exit 1) when a locked package has a known vulnerability. When the vulnerability
service cannot be reached, or could not tell about the packages, it says so plainly and
exits 0: a network outage must not fail the build, but it must not pass for a clean
audit either. `ZAYAVKA_AUDIT_SERVICE` picks pip-audit's service (`pypi`, the default,
or `osv`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out")


@dataclass
class Verdict:
    exit_code: int
    message: str


def verdict(returncode: int, stdout: str, stderr: str, service: str) -> Verdict:
    """What pip-audit's JSON report (or its failure) means for the build."""
    try:
        report = json.loads(stdout)
    except ValueError:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        if any(marker in stderr for marker in NETWORK_ERRORS):
            return Verdict(
                0,
                f"dependency audit NOT DONE: the vulnerability service ({service}) is "
                f"unreachable: {last}",
            )
        return Verdict(1, f"dependency audit failed (pip-audit exit {returncode}): {last}")
    dependencies = report.get("dependencies", [])
    found = [
        f"  {dep['name']} {dep['version']}: {vuln['id']}"
        + (f" (fixed in {', '.join(vuln['fix_versions'])})" if vuln.get("fix_versions") else "")
        for dep in dependencies
        for vuln in dep.get("vulns", [])
    ]
    if found:
        return Verdict(
            1, "dependency audit: known vulnerabilities in locked packages:\n" + "\n".join(found)
        )
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    if skipped and not audited:
        return Verdict(
            0,
            f"dependency audit NOT DONE: the vulnerability service ({service}) answered for "
            f"none of the {len(dependencies)} locked packages ({skipped[0]['skip_reason']})",
        )
    message = f"dependency audit: no known vulnerability in {audited} locked packages"
    if skipped:
        names = ", ".join(dep["name"] for dep in skipped)
        message += f"; NOT audited (the service did not know them): {names}"
    return Verdict(0, message)


def main(requirements: str) -> int:
    service = os.environ.get("ZAYAVKA_AUDIT_SERVICE", "pypi")
    audit = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            *(sys.executable, "-m", "pip_audit", "--requirement", requirements),
            *("--no-deps", "--disable-pip", "--vulnerability-service", service),
            *("--format", "json", "--progress-spinner", "off", "--timeout", "30"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    result = verdict(audit.returncode, audit.stdout, audit.stderr, service)
    print(result.message)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
