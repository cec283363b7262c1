"""Reply extraction: keep what the requester wrote today, in any client's style."""

from __future__ import annotations

import pytest

from zayavka.channels.email.htmltext import html_to_text_with_quote
from zayavka.channels.email.quotes import extract_reply

REPLY = "Спасибо, оплатил."
QUOTED = "> Добрый день! Счёт ожидает оплаты.\n> Номер: 42\n"


@pytest.mark.parametrize(
    "attribution",
    [
        "пн, 5 мая 2025 г. в 10:00, Поддержка <support@helpdesk.example>:",  # Gmail
        '05.05.2025, 10:00, "Поддержка" <support@helpdesk.example>:',  # Yandex
        "Понедельник, 5 мая 2025, 10:00 +03:00 от Поддержка <support@helpdesk.example>:",  # mail.ru
        "05.05.2025 10:00, Поддержка пишет:",  # Thunderbird
        "5 мая 2025 г., в 10:00, Поддержка <support@helpdesk.example> написал(а):",  # Apple
        "On Mon, May 5, 2025 at 10:00 AM Support <support@helpdesk.example> wrote:",
        "On Mon, May 5, 2025 at 10:00 AM Support\n<support@helpdesk.example> wrote:",
    ],
)
def test_attribution_lines_and_quotes_are_cut(attribution: str) -> None:
    assert extract_reply(f"{REPLY}\n\n{attribution}\n{QUOTED}") == REPLY


@pytest.mark.parametrize(
    "block",
    [
        "От: Поддержка <support@helpdesk.example>\nОтправлено: 5 мая 2025 г. 10:00\n"
        "Кому: Иван <ivan@client.example>\nТема: RE: Счёт\n",
        "-----Исходное сообщение-----\nОт: Поддержка [mailto:support@helpdesk.example]\n",
        "-----Original Message-----\nFrom: Support\nSent: Monday, May 5, 2025 10:00 AM\n",
        "________________________________\nFrom: Support <s@h.example>\nSent: Monday\n",
    ],
)
def test_outlook_header_blocks_are_cut_even_without_quote_marks(block: str) -> None:
    assert extract_reply(f"{REPLY}\n\n{block}\nДобрый день! Счёт ожидает оплаты.") == REPLY


def test_signature_after_the_separator_is_dropped() -> None:
    assert extract_reply(f"{REPLY}\n\n-- \nИван Петров\n+7 900 000-00-00") == REPLY


def test_mobile_signature_is_dropped_but_a_sentence_is_not() -> None:
    assert extract_reply("Готово.\n\nОтправлено с iPhone") == "Готово."
    keep = "Sent from my desk, is much easier then my mobile phone."
    assert extract_reply(f"Hi\n\n{keep}").endswith(keep)


def test_a_forwarded_request_keeps_the_forwarded_text() -> None:
    text = (
        "Пересылаю письмо клиента.\n\n-------- Пересылаемое сообщение --------\n"
        '05.05.2025, 09:00, "ООО Ромашка" <buh@romashka.example>:\nСчёт №42 не пришёл.\n'
    )
    assert "Счёт №42 не пришёл." in extract_reply(text)


def test_bottom_posted_answers_are_kept() -> None:
    text = "On Tue, Apr 29, 2014 at 4:22 PM, Dev <dev@example.com> wrote:\n> question?\n\nanswer\n"
    assert extract_reply(text) == "answer"


def test_lines_that_merely_start_with_on_are_not_attributions() -> None:
    text = "On the surface this looks odd.\nOn average it works:\nfine."
    assert extract_reply(text) == text


def test_dash_dash_inside_a_line_is_not_a_signature() -> None:
    text = "Here is a fix -- this is not a signature.\nkthxbai"
    assert extract_reply(text) == text


def test_html_quote_wrappers_cut_the_reply() -> None:
    html = (
        "<div>Hi. I am fine.<br><br>Thanks,<br>Alex</div>"
        '<div class="gmail_quote">On Thu, 26 Jun 2014 at 14:00, A &lt;a@b.example&gt; wrote:'
        "<blockquote>Hello! How are you?</blockquote></div>"
    )
    text, before = html_to_text_with_quote(html)
    assert "How are you" in text
    assert extract_reply(text, before) == "Hi. I am fine.\n\nThanks,\nAlex"


def test_yandex_html_attribution_before_blockquote_is_dropped() -> None:
    html = (
        "<p>Hi.<br /><br />26.06.2014, 14:41, &quot;Alexander L&quot; "
        '&lt;<a href="mailto:abc@example.com">abc@example.com</a>&gt;:</p>'
        "<blockquote>Hello!</blockquote>"
    )
    text, before = html_to_text_with_quote(html)
    assert extract_reply(text, before) == "Hi."


def test_extract_reply_never_fails_on_odd_input() -> None:
    for text in ["", "\n\n", ">", "-- ", "On", ":" * 1000, "> a\n" * 10000]:
        assert isinstance(extract_reply(text), str)
