"""Raw test messages, written the way mail clients send them."""

from __future__ import annotations


def raw_mail(
    body: str = "Сайт не открывается с утра.",
    *,
    from_: str = "Олег Смирнов <o.smirnov@romashka.ru>",
    subject: str = "Не открывается сайт",
    message_id: str = "<m1@mail.romashka.ru>",
    headers: dict[str, str] | None = None,
    top: list[str] | None = None,
) -> bytes:
    """One UTF-8 text message; ``top`` lines go above everything (trace headers)."""
    lines = list(top or [])
    lines += [
        f"From: {from_}",
        "To: support@desk.example",
        f"Subject: {subject}",
        "Date: Mon, 16 Nov 2026 10:00:00 +0300",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()
