"""Real mail through the whole email channel: adapter, then intake, with zero crashes.

Every file of ``../shared/corpora`` (or $ZAYAVKA_CORPORA) under CI=true, a fixed sample
of about 200 elsewhere; the sisimai bounces and auto-replies always, none of which may
open a ticket. Skipped when the corpora are absent, except under CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.channels.email.corpora import corpora_or_skip
from tests.factories import World
from zayavka.channels.email.inbound import to_inbound
from zayavka.tickets.actions import intake

pytestmark = pytest.mark.django_db

SAMPLE = 200
STORED = {"created", "appended", "quarantined", "ignored", "duplicate"}
_NOT_MAIL = (".json", ".yml", ".yaml", ".md")


CORPORA = corpora_or_skip()


def _files() -> tuple[list[Path], list[Path]]:
    """(machine mail that must never open a ticket, the rest), sampled unless CI."""
    every = [
        p
        for p in sorted(CORPORA.rglob("*"))
        if p.is_file() and not p.name.endswith(_NOT_MAIL) and p.name != "README"
    ]
    machine = [p for p in every if p.parent == CORPORA / "sisimai-sample" / "bsd"]
    rest = [p for p in every if p.parent != CORPORA / "sisimai-sample" / "bsd"]
    if os.environ.get("CI") != "true" and len(machine) + len(rest) > SAMPLE:
        step = max(1, len(rest) // max(1, SAMPLE - len(machine)))
        rest = rest[::step]
    return machine, rest


def test_every_corpus_message_is_stored_and_machine_mail_opens_no_ticket(world: World) -> None:
    machine, rest = _files()
    assert len(machine) >= 60, "the sisimai sample looks incomplete"
    crashed: list[str] = []
    unexpected: list[str] = []
    machine_tickets: list[str] = []
    for path in [*machine, *rest]:
        name = str(path.relative_to(CORPORA))
        try:
            result = intake.receive(to_inbound(path.read_bytes()))
        except Exception as exc:  # the measured property: collect, do not stop
            crashed.append(f"{name}: {exc.__class__.__name__}: {exc}")
            continue
        if result.result not in STORED:
            unexpected.append(f"{name}: {result.result}")
        if path in machine and result.result == "created":
            machine_tickets.append(name)
    assert crashed == []
    assert unexpected == []
    assert machine_tickets == []
