"""A request larger than ZAYAVKA_MAX_REQUEST_BYTES is refused before its body is read:
against `zayavka serve` itself (granian, ASGI), with raw sockets, as a 300 MB upload
would arrive — declared in Content-Length, or chunked without a length."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings

from bench.web_load import running_desk
from tests.browser import open_browser

LIMIT = 3 * 1024 * 1024
BOUNDARY = "----zayavka-test"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    data = tmp_path_factory.mktemp("desk") / "var"
    env = {"ZAYAVKA_MAX_REQUEST_BYTES": str(LIMIT)}
    with running_desk("", data, env=env) as (url, _proc):
        parts = urlsplit(url)
        assert parts.hostname and parts.port
        yield parts.hostname, parts.port


def multipart_head(path: str, language: str, length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: {language}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    ).encode()


def file_part(size: int) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
        'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return head + b"\0" * size


def read_response(sock: socket.socket, timeout: float = 20) -> tuple[int, str]:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data or b"</html>" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, body.decode(errors="replace")


def test_a_300_mb_upload_is_refused_before_its_body_is_sent(desk: tuple[str, int]) -> None:
    declared = 300 * 1024 * 1024
    with socket.create_connection(desk) as sock:
        sock.sendall(multipart_head("/portal/new/", "ru", declared))
        sock.sendall(file_part(64 * 1024))  # the first 64 KB of 300 MB, and no more
        status, body = read_response(sock)
    assert status == 413
    assert "Слишком большой запрос" in body and "3,0" in body


def test_a_chunked_upload_is_cut_off_once_it_passes_the_limit(desk: tuple[str, int]) -> None:
    chunk = file_part(256 * 1024)
    sent = 0
    with socket.create_connection(desk) as sock:
        sock.sendall(multipart_head("/portal/new/", "en", None))
        answered = False
        # Send until the server answers; it must answer near the limit, long before 300 MB.
        while sent < 300 * 1024 * 1024:
            if select.select([sock], [], [], 0)[0]:
                answered = True
                break
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            except OSError:  # the server closed the connection after answering
                answered = True
                break
            sent += len(chunk)
            time.sleep(0.001)
        assert answered
        status, body = read_response(sock)
    assert status == 413
    assert "Too large" in body
    # Loopback socket buffers hold a few MB that were sent but never read.
    assert sent < LIMIT + 16 * 1024 * 1024


@pytest.mark.parametrize(
    ("path", "language", "text"),
    [
        ("/desk/t/10001/reply/", "en", "is larger than 3.0"),
        ("/portal/t/10001/reply/", "ru", "больше, чем 3,0"),
    ],
)
def test_the_workspace_and_portal_replies_are_refused_in_the_users_language(
    desk: tuple[str, int], path: str, language: str, text: str
) -> None:
    with socket.create_connection(desk) as sock:
        sock.sendall(multipart_head(path, language, 60 * 1024 * 1024))
        status, body = read_response(sock)
    assert status == 413
    assert text in body


def test_a_request_under_the_limit_is_served(desk: tuple[str, int]) -> None:
    with socket.create_connection(desk) as sock:
        sock.sendall(b"GET /portal/new/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status, body = read_response(sock)
    assert status == 200 and 'name="token"' in body


@pytest.mark.django_db
@override_settings(ZAYAVKA_MAX_REQUEST_BYTES=1024)
def test_the_same_limit_under_wsgi(client: Client, tmp_path: Path) -> None:
    response = client.post("/portal/new/", {"description": "x" * 4096})
    assert response.status_code == 413
    assert "is larger than 1.0" in response.content.decode()
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_a_visitor_attaching_too_much_on_the_public_form_reads_why(
    desk: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In Chromium, on a phone, in Russian: the page that comes back says what happened."""
    from playwright.sync_api import FilePayload, expect

    host, port = desk
    server = type("Server", (), {"url": f"http://{host}:{port}"})()
    with open_browser(
        server,
        monkeypatch,
        prefix="portal",
        locale="ru-RU",
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "ru"},
    ) as browser:
        page = browser.page
        browser.open("/portal/new/")
        page.locator("#id_company").fill("ООО «Тюльпан»")
        page.locator("#id_name").fill("Анна Иванова")
        page.locator("#id_email").fill("anna@tulpan.example")
        page.locator("#id_phone").fill("+7 921 000-00-00")
        page.locator("#id_subject").fill("Логи сервера")
        page.locator("#id_description").fill("Прикладываю логи.")
        big = FilePayload(
            name="logs.bin", mimeType="application/octet-stream", buffer=b"\0" * (2 * LIMIT)
        )
        page.locator("#id_attachments").set_input_files([big])
        page.locator("form button[type=submit]").last.click()
        expect(page.locator("h1")).to_have_text("Слишком большой запрос")
        browser.screenshot("413-too-large")
