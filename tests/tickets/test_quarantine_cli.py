"""`zayavka quarantine list` and `zayavka quarantine retry ID`, as an operator uses them."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.factories import World, inbound
from zayavka.tickets.actions import intake
from zayavka.tickets.models import RawInput, Ticket

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("quarantine", *args, stdout=out)
    return out.getvalue()


def test_an_operator_lists_and_replays_a_quarantined_input(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("template missing")

    monkeypatch.setattr(intake.notifications, "notify_ticket_created", broken)
    raw_id = intake.receive(inbound("Срочно", external_id="<m1@x>")).raw_id
    assert raw_id is not None
    monkeypatch.undo()

    listed = [json.loads(line) for line in run("list", "--json").splitlines()]
    assert [row["id"] for row in listed] == [raw_id]
    assert "template missing" in listed[0]["reason"]
    assert "template missing" in run("list")

    first = json.loads(run("retry", str(raw_id)))
    assert first["result"] == "created" and first["ticket"] == Ticket.objects.get().number
    second = json.loads(run("retry", str(raw_id)))
    assert second["result"] == "duplicate" and second["ticket"] == first["ticket"]
    assert Ticket.objects.count() == 1
    assert run("list") == ""


def test_retrying_an_unknown_id_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="no input with id 999"):
        run("retry", "999")


def test_an_input_the_channel_could_not_parse_is_kept_raw(db: None) -> None:
    # A channel with no registered raw parser (email has one: its replays re-parse).
    result = intake.quarantine_raw("api", "", b"\x00\xffgarbage", "unparseable JSON")
    assert result.raw_id is not None
    raw = RawInput.objects.get(pk=result.raw_id)
    assert raw.state == RawInput.State.QUARANTINED and raw.envelope == {}
    retried = intake.retry(raw.pk)
    assert retried.result == "quarantined" and "no parser" in retried.reason
