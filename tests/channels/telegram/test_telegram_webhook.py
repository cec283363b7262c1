"""The Telegram channel by webhook: Telegram posts updates with the secret; a person's
message becomes a ticket, the chat hears back through the outbox and the local Bot API
server (botapi.py), and nothing Telegram sends is lost or taken twice."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.channels.telegram.botapi import (
    OLEG_ID,
    STRANGER_ID,
    BotApiServer,
    message_update,
)
from tests.channels.telegram.conftest import SECRET
from tests.factories import World
from tests.personas import Agents, Customers
from zayavka.channels.telegram import health, receive
from zayavka.channels.telegram.models import TelegramChat, TelegramUpdate
from zayavka.channels.telegram.tokens import link_token
from zayavka.tickets import catalog
from zayavka.tickets.actions import intake
from zayavka.tickets.actions.messages import reply_to_requester
from zayavka.tickets.models import Outbox, RawInput, StatusCategory, Ticket, Verification
from zayavka.tickets.outbox import deliver_due

pytestmark = pytest.mark.django_db


def post(client: Client, body: Any, *, secret: str | None = SECRET) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post(
        "/telegram/webhook", data=data, content_type="application/json", headers=headers
    )


def deliver(at: datetime | None = None) -> int:
    return deliver_due(now=at)


def test_a_webhook_call_without_the_secret_or_with_a_wrong_one_is_refused(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    update = message_update(1, "Сайт не открывается")
    assert post(client, update, secret=None).status_code == 403
    assert post(client, update, secret="wrong-secret-42").status_code == 403
    assert post(client, update, secret="").status_code == 403
    assert not TelegramUpdate.objects.exists() and not Ticket.objects.exists()


def test_without_a_configured_secret_there_is_no_webhook(
    client: Client, bot_api: BotApiServer, settings: Any
) -> None:
    settings.ZAYAVKA_TELEGRAM_WEBHOOK_SECRET = ""
    assert post(client, message_update(1, "Привет"), secret="").status_code == 404


def test_a_message_opens_a_ticket_and_the_chat_is_told_its_number(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    response = post(client, message_update(7, "Сайт romashka-shop.ru не открывается с утра"))
    assert response.status_code == 200 and response.json() == {"result": "handled"}
    ticket = Ticket.objects.get()
    assert ticket.channel == "telegram" and ticket.subject.startswith("Сайт romashka-shop.ru")
    assert ticket.verification == Verification.NONE  # an unknown account: a prospect
    assert ticket.requester.name == "Пётр"
    assert TelegramUpdate.objects.get().state == TelegramUpdate.State.DONE
    assert RawInput.objects.get().external_id == "update:7"

    assert deliver() >= 1
    [sent] = bot_api.sent()
    assert sent["chat_id"] == STRANGER_ID
    assert f"зарегистрирована под номером {ticket.display_number}" in sent["text"]


def test_the_same_update_delivered_twice_is_one_ticket(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    update = message_update(8, "Не приходит почта")
    assert post(client, update).json() == {"result": "handled"}
    assert post(client, update).json() == {"result": "duplicate"}
    assert Ticket.objects.count() == 1 and TelegramUpdate.objects.count() == 1
    deliver()
    deliver()
    assert len(bot_api.sent()) == 1


def test_a_follow_up_in_the_same_chat_is_added_to_its_open_ticket(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    post(client, message_update(10, "Не работает 1С"))
    post(client, message_update(11, "Ошибка: «Нет лицензии»"))
    ticket = Ticket.objects.get()
    assert list(ticket.messages.values_list("text", flat=True).order_by("pk")) == [
        "Не работает 1С",
        "Ошибка: «Нет лицензии»",
    ]
    deliver()
    texts = [s["text"] for s in bot_api.sent()]
    assert texts[-1] == f"Добавлено к заявке {ticket.display_number}."


def test_an_agents_reply_reaches_the_chat(
    client: Client, bot_api: BotApiServer, agents: Agents
) -> None:
    post(client, message_update(20, "Сайт не открывается", user_id=OLEG_ID, first_name="Олег"))
    ticket = Ticket.objects.get()
    assert ticket.requester == agents.world.oleg  # his Telegram id is on his contact
    ticket.team = agents.world.team  # for Anna to work on it; not the channel's concern
    deliver()
    reply_to_requester(Ticket.objects.get(pk=ticket.pk), agents.anna, "Перезапустили сервер.")
    deliver()
    reply = bot_api.sent()[-1]
    assert reply["chat_id"] == OLEG_ID
    assert "Перезапустили сервер." in reply["text"]
    assert f"Ответ по заявке {ticket.display_number}" in reply["text"]


def test_a_429_is_tried_again_only_after_retry_after(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    post(client, message_update(30, "Не печатает принтер"))
    bot_api.fail_next("sendMessage", 429, retry_after=7)
    now = timezone.now()
    assert deliver(now) == 0
    row = Outbox.objects.get(kind=Outbox.Kind.TELEGRAM)
    assert row.state == Outbox.State.PENDING and "429" in row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=7)
    assert deliver(now + timedelta(seconds=6)) == 0  # not due yet
    assert len(bot_api.called("sendMessage")) == 1
    assert deliver(now + timedelta(seconds=7)) == 1
    assert len(bot_api.sent()) == 1


def test_bad_updates_are_quarantined_with_their_raw_form_never_a_500(
    client: Client, bot_api: BotApiServer, settings: Any, world: World
) -> None:
    # Answered 200 once quarantined: Telegram sends again whatever is not a 2xx, and
    # one bad update would hold back those after it.
    quarantined_ = {"result": "quarantined"}
    for body in (b"{not json", {"message": {"text": "no update id"}}, [1, 2]):
        answer = post(client, body)
        assert (answer.status_code, answer.json()) == (200, quarantined_)
    broken = {"update_id": 40, "message": {"text": "no chat", "date": 1}}
    answer = post(client, broken)
    assert (answer.status_code, answer.json()) == (200, quarantined_)
    settings.ZAYAVKA_TELEGRAM_MAX_UPDATE_BYTES = 1000
    answer = post(client, message_update(41, "я" * 2000))
    assert (answer.status_code, answer.json()) == (200, quarantined_)
    quarantined = RawInput.objects.filter(state=RawInput.State.QUARANTINED, channel="telegram")
    reasons = sorted(r.reason.split(":")[0] for r in quarantined)
    assert reasons == [
        "ValueError",
        "unreadable update",
        "unreadable update",
        "unreadable update",
        "update over 1000 bytes",
    ]
    assert TelegramUpdate.objects.get(update_id=40).state == TelegramUpdate.State.FAILED
    assert not Ticket.objects.exists()


def test_a_quarantined_message_from_a_linked_chat_is_replayed_as_it_was_received(
    client: Client, bot_api: BotApiServer, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(client, message_update(42, f"/start {link_token(world.maria.pk)}", language="en"))
    assert TelegramChat.objects.get().contact == world.maria

    def failing(message: Any) -> Any:
        raise RuntimeError("intake is down")

    def kept(update_id: int) -> RawInput:
        return RawInput.objects.get(channel="telegram", external_id=f"update:{update_id}")

    monkeypatch.setattr(intake, "receive", failing)
    assert post(client, message_update(43, "The shop is down", language="en")).json() == {
        "result": "quarantined"
    }
    assert post(client, message_update(44, "Still down", language="en")).json() == {
        "result": "quarantined"
    }
    monkeypatch.undo()
    assert not Ticket.objects.exists()

    first = intake.retry(kept(43).pk)
    assert first.result == intake.Result.CREATED
    ticket = Ticket.objects.get()
    assert ticket.requester == world.maria
    assert ticket.verification == Verification.AUTHENTICATED  # as if received
    second = intake.retry(kept(44).pk)
    assert (second.result, second.ticket_id) == (intake.Result.APPENDED, ticket.pk)
    assert Ticket.objects.count() == 1
    assert [m.text for m in ticket.messages.order_by("pk")] == ["The shop is down", "Still down"]
    assert not RawInput.objects.filter(state=RawInput.State.QUARANTINED).exists()


@pytest.mark.parametrize("text", ["/start {token}", "/email maria@romashka.ru", "123456"])
def test_a_quarantined_command_or_code_replayed_stays_quarantined(
    client: Client, bot_api: BotApiServer, world: World, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the receiver failed")

    # What the command or code does fails, so the update is quarantined.
    monkeypatch.setattr(receive.link, "link", failing)
    monkeypatch.setattr(receive.codes, "ask", failing)
    monkeypatch.setattr(receive.codes, "try_code", failing)
    text = text.format(token=link_token(world.maria.pk))
    post(client, message_update(45, text, language="en"))
    monkeypatch.undo()
    raw = RawInput.objects.get(channel="telegram", external_id="update:45")
    assert raw.state == RawInput.State.QUARANTINED
    again = intake.retry(raw.pk)
    assert again.result == intake.Result.QUARANTINED and "not a request" in again.reason
    raw.refresh_from_db()
    assert raw.state == RawInput.State.QUARANTINED
    assert not Ticket.objects.exists() and not TelegramChat.objects.exists()


def test_updates_that_are_not_new_messages_are_kept_and_answered_as_they_need(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    edited = message_update(50, "исправленный текст")
    edited["edited_message"] = edited.pop("message")
    assert post(client, edited).json() == {"result": "handled"}
    photo = message_update(51, "", photo=[{"file_id": "x", "width": 1, "height": 1}])
    assert post(client, photo).json() == {"result": "handled"}
    results = dict(TelegramUpdate.objects.values_list("update_id", "result"))
    assert results == {50: "ignored: edited_message", 51: "refused: photo"}
    assert not Ticket.objects.exists()
    deliver()
    assert "describe the problem in words" not in bot_api.sent()[0]["text"]
    assert "опишите проблему словами" in bot_api.sent()[0]["text"]


def test_a_signed_deep_link_links_the_chat_and_its_requests_count_as_verified(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    token = link_token(world.maria.pk)
    post(client, message_update(60, f"/start {token}", language="en", first_name="Maria"))
    chat = TelegramChat.objects.get()
    assert (chat.chat_id, chat.contact, chat.linked_via) == (STRANGER_ID, world.maria, "deep_link")
    post(client, message_update(61, "The shop is down", language="en", first_name="Maria"))
    ticket = Ticket.objects.get()
    assert ticket.requester == world.maria
    assert ticket.verification == Verification.AUTHENTICATED
    assert ticket.organization == world.romashka
    deliver()
    texts = [s["text"] for s in bot_api.sent()]
    assert texts[0].startswith("This chat is now linked to Мария Кузнецова.")
    assert f"registered under number {ticket.display_number}" in texts[1]


def test_a_forged_or_expired_link_links_nothing(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    old = link_token(world.maria.pk, now=timezone.now().timestamp() - 2 * 24 * 3600)
    forged = link_token(world.maria.pk)[:-2] + "AA"
    post(client, message_update(70, f"/start {old}"))
    post(client, message_update(71, f"/start {forged}"))
    assert not TelegramChat.objects.exists()
    deliver()
    assert all("Ссылка недействительна" in s["text"] for s in bot_api.sent())


def test_a_shared_phone_links_the_chat_only_when_it_is_the_senders_own(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    oleg_phone = {"phone_number": "+79215550111", "first_name": "Олег"}
    post(client, message_update(80, "", contact={**oleg_phone, "user_id": 999}))
    post(client, message_update(81, "", contact=oleg_phone))  # no user_id: a card
    assert not TelegramChat.objects.exists()
    post(client, message_update(82, "", contact={**oleg_phone, "user_id": STRANGER_ID}))
    chat = TelegramChat.objects.get()
    assert (chat.contact, chat.linked_via) == (world.oleg, "phone")
    results = list(TelegramUpdate.objects.order_by("update_id").values_list("result", flat=True))
    assert results[:2] == ["refused: not their own number"] * 2


def test_start_without_a_token_greets_with_the_phone_button_in_the_chats_language(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    post(client, message_update(90, "/start", language="en"))
    post(client, message_update(91, "/start", user_id=STRANGER_ID + 1, language="ru"))
    deliver()
    english, russian = bot_api.sent()
    assert english["text"].startswith("Hello! Describe your problem")
    button = english["reply_markup"]["keyboard"][0][0]
    assert button == {"text": "Share my phone number", "request_contact": True}
    assert russian["text"].startswith("Здравствуйте! Опишите проблему")
    assert russian["reply_markup"]["keyboard"][0][0]["text"] == "Поделиться номером телефона"


def test_a_failing_webhook_shows_in_healthz(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    health.record_failure(health.WEBHOOK, "OperationalError: database is locked")
    body = client.get("/healthz").json()
    assert body["checks"]["telegram"].startswith("webhook failing: OperationalError")
    post(client, message_update(95, "Снова работает?"))
    assert client.get("/healthz").json()["checks"]["telegram"] == "ok"


def test_the_portal_profile_offers_the_deep_link_that_links_the_chat(
    client: Client, bot_api: BotApiServer, customers: Customers
) -> None:
    client.force_login(customers.oleg)
    page = client.get("/portal/profile/").content.decode()
    start = page.index("https://t.me/zayavka_test_bot?start=")
    url = page[start : page.index('"', start)]
    token = url.rpartition("=")[2]
    assert f"<code>/start {token}</code>" in page
    post(client, message_update(300, f"/start {token}", user_id=4242, first_name="Oleg"))
    chat = TelegramChat.objects.get()
    assert (chat.chat_id, chat.contact) == (4242, customers.world.oleg)


def test_without_a_bot_the_profile_offers_no_link(
    client: Client, customers: Customers, settings: Any
) -> None:
    settings.ZAYAVKA_TELEGRAM_TOKEN = ""
    client.force_login(customers.oleg)
    assert "/start " not in client.get("/portal/profile/").content.decode()


def test_the_resolution_reaches_the_chat_and_a_message_after_it_reopens_the_ticket(
    client: Client, bot_api: BotApiServer, agents: Agents
) -> None:
    post(client, message_update(400, "Не открывается почта", user_id=OLEG_ID))
    ticket = Ticket.objects.get()
    resolved = catalog.status_for(StatusCategory.RESOLVED)
    reply_to_requester(ticket, agents.anna, "Исправили настройки.", then_status=resolved)
    deliver()
    assert bot_api.sent()[-1]["text"].startswith(f"Заявка {ticket.display_number} решена.")
    post(client, message_update(401, "Снова не открывается", user_id=OLEG_ID))
    ticket.refresh_from_db()
    assert ticket.state == StatusCategory.OPEN and ticket.messages.count() == 3


def test_a_code_mailed_to_the_registered_address_links_the_chat(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    post(client, message_update(500, "/email nobody@nowhere.example"))
    post(client, message_update(501, "/email m.kuznetsova@romashka.ru", language="en"))
    assert post(client, message_update(502, "/email m.kuznetsova@romashka.ru")).status_code == 200
    deliver()
    answers = [s["text"] for s in bot_api.sent()]
    # An unknown address is answered like a known one: the bot reveals no addresses.
    assert answers[0].startswith("Если этот адрес у нас зарегистрирован, на него отправлен код")
    assert answers[1].startswith("If this address is registered with us, a code is on its way")
    assert answers[2].startswith("Код только что отправлен")
    [mail] = mailoutbox_of()
    assert mail.to == ["m.kuznetsova@romashka.ru"]
    code = re.search(r"\b(\d{6})\b", mail.body).group(1)  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"
    post(client, message_update(503, wrong))
    assert not TelegramChat.objects.exists()
    post(client, message_update(504, code))
    chat = TelegramChat.objects.get()
    assert (chat.contact, chat.linked_via) == (world.maria, "email_code")
    post(client, message_update(505, code))  # used up: now an ordinary message
    deliver()
    answers = [s["text"] for s in bot_api.sent()]
    assert answers[3] == "Код неверный. Осталось попыток: 4."
    assert answers[4].startswith("Этот чат привязан к контакту Мария Кузнецова.")
    assert Ticket.objects.get().requester == world.maria


def test_a_code_tried_too_often_is_used_up(
    client: Client, bot_api: BotApiServer, world: World
) -> None:
    post(client, message_update(600, "/email m.kuznetsova@romashka.ru"))
    for n in range(601, 607):
        post(client, message_update(n, f"{n:06d}"))
    assert not TelegramChat.objects.exists()
    deliver()
    answers = [s["text"] for s in bot_api.sent()]
    assert answers[-1].startswith("Код устарел или введён неверно слишком много раз.")


def mailoutbox_of() -> list[Any]:
    deliver()
    return list(mail.outbox)
