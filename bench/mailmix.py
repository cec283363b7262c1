"""A reproducible mix of realistic inbound mail, with what the desk must make of each.

Used by bench/email_ingest.py. Messages are built with the standard library's email
package, the way mail clients send them: UTF-8 8-bit, koi8-r quoted-printable with
encoded-word subjects, windows-1251 base64 multipart/alternative with HTML, PDF and
image attachments with RFC 2231 Russian file names, replies quoting the original
(«... пишет:»), and auto-replies. ``first_wave`` holds the new requests; ``second_wave``
the replies to them and the machine mail, to be sent once the first wave is in.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr

# As sent over SMTP and IMAP: CRLF line ends.
SMTP = compat32.clone(linesep="\r\n")

KNOWN = [
    ("Олег Смирнов", "o.smirnov@romashka.ru"),
    ("Мария Кузнецова", "m.kuznetsova@romashka.ru"),
    ("Андрей Волков", "volkov@sever-veter.ru"),
]
PROBLEMS = [
    ("Не открывается сайт", "С утра сайт отдаёт ошибку 502, магазин не принимает заказы."),
    ("Ошибка в 1С", "При проведении документа «Реализация» 1С пишет: «Нет доступа к базе»."),
    ("Не работает почта", "Письма клиентам не уходят, Outlook выдаёт ошибку 0x800CCC0E."),
    ("Принтер не печатает", "Принтер в бухгалтерии стоит в очереди, задания не идут."),
    ("Нужен доступ к VPN", "Новому сотруднику нужен доступ к VPN с понедельника."),
]


@dataclass
class Expected:
    """What the desk must make of one message."""

    message_id: str
    result: str  # created | appended | ignored
    subject: str
    phrase: str  # a phrase the stored text must contain (decoded correctly)
    attachments: list[str] = field(default_factory=list)  # sha256 of each attachment
    reply_to: str = ""  # for a reply: the Message-ID of the message it answers
    sender: tuple[str, str] = ("", "")  # (name, address)


@dataclass
class Mail:
    raw: bytes
    expected: Expected


def _charset(name: str, encoding: int) -> Charset:
    cs = Charset(name)
    cs.header_encoding = encoding
    cs.body_encoding = encoding
    return cs


def _headers(
    msg: MIMEMultipart | MIMEText,
    name: str,
    email: str,
    subject: str,
    charset: str,
    message_id: str,
    when: datetime,
) -> None:
    msg["From"] = formataddr((str(Header(name, charset)), email))
    msg["To"] = "support@zayavka.example"
    msg["Subject"] = Header(subject, charset).encode()
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id


def build(count: int, seed: int = 7) -> tuple[list[Mail], list[Mail]]:
    """``count`` messages: about three quarters new requests, the rest replies to them
    and auto-replies. Returns (first_wave, second_wave)."""
    rng = random.Random(seed)
    when = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    new_count = count * 3 // 4
    first: list[Mail] = []
    for i in range(new_count):
        when += timedelta(seconds=7)
        title, body = rng.choice(PROBLEMS)
        roll = rng.random()
        if roll < 0.5:
            name, email = rng.choice(KNOWN)
        elif roll < 0.75:
            name, email = f"Сотрудник {i}", f"user{i}@romashka.ru"
        else:
            name, email = f"Иван Петров {i}", f"petrov{i}@{rng.choice(['mail.ru', 'yandex.ru'])}"
        style = i % 4
        if style == 1:  # koi8-r has no typographic quotes or dashes: writers avoid them
            body = body.replace("«", '"').replace("»", '"')
        subject = f"{title} - заявка {i}" if style == 1 else f"{title} — заявка {i}"
        phrase = f"{body} Номер обращения у нас: {i}."
        text = f"Добрый день!\n\n{phrase}\n\nС уважением,\n{name}\n"
        message_id = f"<mix-{seed}-{i}@mail.client.example>"
        attachments: list[str] = []
        msg: MIMEMultipart | MIMEText
        if style == 0:
            msg = MIMEText(text, "plain", "utf-8")
            del msg["Content-Transfer-Encoding"]
            msg["Content-Transfer-Encoding"] = "8bit"
            msg.set_payload(text.encode("utf-8"))
            charset = "utf-8"
        elif style == 1:
            charset = "koi8-r"
            msg = MIMEText(text, "plain", _charset("koi8-r", QP))  # type: ignore[arg-type]
        elif style == 2:
            charset = "windows-1251"
            msg = MIMEMultipart("alternative")
            cs = _charset("windows-1251", BASE64)
            msg.attach(MIMEText(text, "plain", cs))  # type: ignore[arg-type]
            html = "<html><body><p>" + text.replace("\n", "<br>") + "</p></body></html>"
            msg.attach(MIMEText(html, "html", cs))  # type: ignore[arg-type]
        else:
            charset = "utf-8"
            msg = MIMEMultipart("mixed")
            msg.attach(MIMEText(text, "plain", "utf-8"))
            for n in range(1 + (i % 2)):
                part: MIMEBase
                size = rng.randrange(20_000, 200_000)
                data = rng.randbytes(size)
                if n == 0:
                    part = MIMEApplication(data, "pdf")
                    filename = f"Акт сверки №{i}.pdf"
                else:
                    part = MIMEImage(b"\x89PNG\r\n\x1a\n" + data, "png")
                    data = b"\x89PNG\r\n\x1a\n" + data
                    filename = f"скриншот {i}.png"
                part.add_header(
                    "Content-Disposition", "attachment", filename=("utf-8", "", filename)
                )
                msg.attach(part)
                attachments.append(hashlib.sha256(data).hexdigest())
        _headers(msg, name, email, subject, charset, message_id, when)
        expected = Expected(
            message_id, "created", subject, phrase, attachments, sender=(name, email)
        )
        first.append(Mail(msg.as_bytes(policy=SMTP), expected))

    second: list[Mail] = []
    pool = first
    for j in range(count - new_count):
        when += timedelta(seconds=11)
        message_id = f"<mix-{seed}-r{j}@mail.client.example>"
        if j % 10 == 9:
            msg = MIMEText("Я в отпуске до 30 ноября. Срочно — звоните Ольге.", "plain", "utf-8")
            _headers(
                msg,
                "Олег Смирнов",
                "o.smirnov@romashka.ru",
                "Автоматический ответ: Я в отпуске",
                "utf-8",
                message_id,
                when,
            )
            msg["Auto-Submitted"] = "auto-replied"
            second.append(Mail(msg.as_bytes(policy=SMTP), Expected(message_id, "ignored", "", "")))
            continue
        original = rng.choice(pool)
        name, email = original.expected.sender  # a reply comes from the original sender
        phrase = f"Проблема повторилась в {10 + j % 8}:{j % 60:02d}, ответ {j}."
        quoted = "\n".join("> " + line for line in original.expected.phrase.splitlines())
        text = f"{phrase}\n\nСпасибо.\n\n16.11.2026 10:00, Служба поддержки пишет:\n{quoted}\n"
        msg = MIMEText(text, "plain", "utf-8")
        _headers(msg, name, email, "Re: " + original.expected.subject, "utf-8", message_id, when)
        msg["In-Reply-To"] = original.expected.message_id
        msg["References"] = original.expected.message_id
        second.append(
            Mail(
                msg.as_bytes(policy=SMTP),
                Expected(
                    message_id,
                    "appended",
                    original.expected.subject,
                    phrase,
                    reply_to=original.expected.message_id,
                ),
            )
        )
    return first, second
