"""bin/check's dependency audit: a known vulnerability in a locked package fails the
build; an unreachable vulnerability service is said plainly and does not."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

BIN = Path(__file__).resolve().parents[2] / "bin" / "audit_deps.py"


def audit_deps() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_deps", BIN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


# pip-audit's JSON report, as it writes it (--format json).
VULNERABLE = {
    "dependencies": [
        {
            "name": "django",
            "version": "4.2.0",
            "vulns": [
                {
                    "id": "PYSEC-2023-61",
                    "fix_versions": ["3.2.19", "4.1.9", "4.2.1"],
                    "aliases": ["CVE-2023-31047"],
                    "description": "Multiple file uploads",
                }
            ],
        },
        {"name": "granian", "version": "2.8.0", "vulns": []},
    ],
    "fixes": [],
}


def test_a_known_vulnerability_fails_the_build_and_names_the_fix() -> None:
    result = audit_deps().verdict(1, json.dumps(VULNERABLE), "", "pypi")
    assert result.exit_code == 1
    assert "django 4.2.0: PYSEC-2023-61 (fixed in 3.2.19, 4.1.9, 4.2.1)" in result.message


def test_a_clean_audit_passes_and_lists_what_it_could_not_audit() -> None:
    report = {
        "dependencies": [
            {"name": "granian", "version": "2.8.0", "vulns": []},
            {"name": "tnefparse", "skip_reason": "Dependency not found on PyPI"},
        ]
    }
    result = audit_deps().verdict(0, json.dumps(report), "", "pypi")
    assert result.exit_code == 0
    assert result.message.startswith("dependency audit: no known vulnerability in 1 ")
    assert "NOT audited (the service did not know them): tnefparse" in result.message


def test_an_unreachable_service_is_reported_as_not_done_without_failing() -> None:
    stderr = (
        "Traceback (most recent call last):\n  ...\nrequests.exceptions.ConnectionError: "
        "HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries exceeded"
    )
    result = audit_deps().verdict(1, "", stderr, "osv")
    assert result.exit_code == 0
    assert result.message.startswith("dependency audit NOT DONE: the vulnerability service (osv)")
    nothing_known = {"dependencies": [{"name": "django", "skip_reason": "not found on PyPI"}]}
    result = audit_deps().verdict(0, json.dumps(nothing_known), "", "pypi")
    assert result.exit_code == 0 and "NOT DONE" in result.message


def test_any_other_failure_of_the_audit_fails_the_build() -> None:
    result = audit_deps().verdict(2, "", "pip-audit: error: unrecognized arguments", "pypi")
    assert result.exit_code == 1
