"""Notifications wait in the outbox until they are delivered; an SMTP outage loses nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import World, inbound
from zayavka.tickets import outbox
from zayavka.tickets.actions import intake
from zayavka.tickets.models import Outbox

pytestmark = pytest.mark.django_db


def test_a_failed_send_is_retried_later_and_then_delivered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake.receive(inbound(email="o.smirnov@romashka.ru"))

    def smtp_down(item: Outbox) -> None:
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setitem(outbox.HANDLERS, Outbox.Kind.EMAIL, smtp_down)
    assert outbox.deliver_due() == 0
    item = Outbox.objects.get()
    assert item.state == Outbox.State.PENDING and item.attempts == 1
    assert "Connection refused" in item.last_error
    assert item.next_attempt_at > timezone.now()
    assert outbox.deliver_due() == 0 and Outbox.objects.get().attempts == 1  # not due yet

    monkeypatch.undo()
    Outbox.objects.update(next_attempt_at=timezone.now())
    assert outbox.deliver_due() == 1
    assert Outbox.objects.get().state == Outbox.State.SENT
    assert len(mail.outbox) == 1


def test_a_notification_claimed_by_another_worker_is_not_sent_twice(world: World) -> None:
    intake.receive(inbound(email="o.smirnov@romashka.ru"))
    Outbox.objects.update(claimed_until=timezone.now() + timedelta(minutes=1))
    assert outbox.deliver_due() == 0
    assert mail.outbox == []
    Outbox.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))  # worker died
    assert outbox.deliver_due() == 1


def test_after_many_failures_a_notification_is_given_up_and_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake.receive(inbound(email="o.smirnov@romashka.ru"))

    def broken(item: Outbox) -> None:
        raise OSError("no route to host")

    monkeypatch.setitem(outbox.HANDLERS, Outbox.Kind.EMAIL, broken)
    for _ in range(outbox.MAX_ATTEMPTS):
        Outbox.objects.update(next_attempt_at=timezone.now())
        outbox.deliver_due()
    item = Outbox.objects.get()
    assert item.state == Outbox.State.DEAD and item.attempts == outbox.MAX_ATTEMPTS


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (5, 480), (30, 21600)])
def test_backoff_doubles_and_is_capped(attempts: int, seconds: int) -> None:
    assert outbox.backoff(attempts) == timedelta(seconds=seconds)


def test_the_registration_notice_is_in_the_requesters_language(world: World, settings: Any) -> None:
    world.oleg.language = "en"
    world.oleg.save()
    intake.receive(inbound(email="o.smirnov@romashka.ru"))
    outbox.deliver_due()
    assert "registered" in mail.outbox[0].subject


def test_plain_text_mail_is_not_html_escaped(world: World) -> None:
    subject = 'Склад "Север" & <ООО Ромашка>'
    intake.receive(inbound(email="o.smirnov@romashka.ru", subject=subject))
    outbox.deliver_due()
    sent = mail.outbox[0]
    assert sent.subject.endswith(subject)
    assert "&amp;" not in f"{sent.subject} {sent.body}" and "&quot;" not in str(sent.body)
