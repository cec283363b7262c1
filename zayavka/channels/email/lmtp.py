"""The LMTP (and plain SMTP) listener: an MTA hands us mail over a socket.

Each message goes through ``deliver.deliver`` in a worker thread (the Django ORM never
runs in the event loop's thread), and the answer to DATA is given only after that
returned: 250 once the raw bytes are committed, 451 (try again later) when they are
not, so the MTA keeps the message until we have it. LMTP answers DATA once per
accepted recipient (RFC 2033); since the desk stores a message once, whatever its
recipients, every recipient gets the same answer. Messages over the size limit are
refused with 552 (the limit is advertised in the EHLO/LHLO SIZE extension).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connections

from zayavka.channels.email import deliver as delivery

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_WORKERS = 4
DEFAULT_TIMEOUT = 120.0
MAX_RECIPIENTS = 100

T = TypeVar("T")
_Job = tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None


class WorkerPool:
    """Threads that run database work off the event loop; each closes its database
    connections when the pool stops, so no connection outlives the listener."""

    def __init__(self, size: int) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"mail-intake-{i}", daemon=True)
            for i in range(max(1, size))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, future))
        return future

    def shutdown(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def _work(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                fn, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(fn())
                except BaseException as exc:
                    future.set_exception(exc)
        finally:
            _close_thread_connections()


def _close_thread_connections() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()
        # Django leaves an in-memory SQLite connection open (closing the last one
        # drops the database); it is shared-cache, so this thread's own can go.
        raw = getattr(conn, "connection", None)
        if raw is not None and conn.vendor == "sqlite":
            raw.close()
            conn.connection = None


def _deliver_in_worker(raw: bytes, mail_from: str | None, rcpt_tos: list[str]) -> str:
    """Run one delivery in a worker thread; the reply line for the client."""
    close_old_connections()
    try:
        result = delivery.deliver(raw, mail_from=mail_from, rcpt_tos=rcpt_tos)
    finally:
        close_old_connections()
    ticket = f" ticket {result.ticket_number}" if result.ticket_number is not None else ""
    return f"250 2.0.0 Ok: {result.result}{ticket}"


class IntakeHandler:
    """aiosmtpd handler: accepts any recipient, stores each message through intake."""

    def __init__(self, pool: WorkerPool, *, lmtp: bool, timeout: float = DEFAULT_TIMEOUT):
        self.pool = pool
        self.lmtp = lmtp
        self.timeout = timeout

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        mail_from, rcpt_tos = envelope.mail_from, list(envelope.rcpt_tos)
        job = self.pool.submit(lambda: _deliver_in_worker(raw, mail_from, rcpt_tos))
        try:
            status = await asyncio.wait_for(asyncio.wrap_future(job), self.timeout)
        except TimeoutError:
            log.error("mail delivery timed out; asked the sender to retry")
            status = "451 4.3.0 Timed out storing the message, try again later"
        except delivery.TemporaryFailure as exc:
            log.error("mail not stored; asked the sender to retry", extra={"error": str(exc)})
            status = "451 4.3.0 Cannot store the message now, try again later"
        except Exception:
            log.exception("mail delivery failed; asked the sender to retry")
            status = "451 4.3.0 Local error storing the message, try again later"
        count = max(1, len(envelope.rcpt_tos)) if self.lmtp else 1
        return "\r\n".join([status] * count)


class _PerRecipientReplies:
    """For LMTP: aiosmtpd's own refusals after DATA (552 too large, 500 line too long)
    are given once; LMTP clients wait for one reply per recipient, so repeat them."""

    envelope: Envelope | None
    _after_354 = False

    async def push(self, status: Any) -> None:
        if isinstance(status, str):
            if status.startswith("354"):
                self._after_354 = True
            elif self._after_354:
                self._after_354 = False
                count = len(self.envelope.rcpt_tos) if self.envelope else 1
                if status[:3] in {"552", "500"} and count > 1:
                    status = "\r\n".join([status] * count)
        await super().push(status)  # type: ignore[misc]


class _LMTPServer(_PerRecipientReplies, LMTP):
    pass


class MailListener:
    """An LMTP or SMTP server on ``host:port`` (port 0 picks a free one) feeding intake.

    Run it with ``serve_forever()`` (the ``mail listen`` command) or in a background
    thread with ``start_in_thread()``/``stop_thread()`` (tests, an embedded desk).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        protocol: str = "lmtp",
        max_bytes: int = DEFAULT_MAX_BYTES,
        workers: int = DEFAULT_WORKERS,
        timeout: float = DEFAULT_TIMEOUT,
        hostname: str | None = None,
    ) -> None:
        if protocol not in {"lmtp", "smtp"}:
            raise ValueError(f"protocol must be lmtp or smtp, not {protocol!r}")
        self.host = host
        self.port = port
        self.protocol = protocol
        self.max_bytes = max_bytes
        self.workers = workers
        self.timeout = timeout
        self.hostname = hostname or socket.gethostname() or "zayavka"
        self._server: asyncio.Server | None = None
        self._pool: WorkerPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None

    async def start(self) -> None:
        """Bind and start accepting connections; ``self.port`` is the bound port."""
        loop = asyncio.get_running_loop()
        self._pool = WorkerPool(self.workers)
        handler = IntakeHandler(self._pool, lmtp=self.protocol == "lmtp", timeout=self.timeout)
        server_class: type[SMTP] = _LMTPServer if self.protocol == "lmtp" else SMTP

        def factory() -> SMTP:
            return server_class(
                handler,
                data_size_limit=self.max_bytes,
                enable_SMTPUTF8=True,
                decode_data=False,
                hostname=self.hostname,
                ident="Zayavka",
                loop=loop,
            )

        try:
            self._server = await loop.create_server(factory, self.host, self.port)
        except BaseException:
            self._pool.shutdown()
            self._pool = None
            raise
        self.port = self._server.sockets[0].getsockname()[1]
        log.info(
            "mail listener started",
            extra={"protocol": self.protocol, "host": self.host, "port": self.port},
        )

    async def close(self) -> None:
        """Stop accepting, drop open sessions, wait for deliveries in progress."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            close_clients = getattr(server, "close_clients", None)
            if close_clients is not None:  # Python 3.13+
                close_clients()
            try:
                await asyncio.wait_for(server.wait_closed(), 5)
            except TimeoutError:
                log.warning("mail listener: sessions still open at shutdown")
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown)
        log.info("mail listener stopped", extra={"protocol": self.protocol, "port": self.port})

    def start_in_thread(self, ready_timeout: float = 10.0) -> None:
        """Serve from a background thread; returns once the socket is bound."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                stop = asyncio.Event()
                self._stopping = stop

                async def main() -> None:
                    try:
                        await self.start()
                    except BaseException as exc:
                        failure.append(exc)
                        ready.set()
                        return
                    ready.set()
                    try:
                        await stop.wait()
                    finally:
                        await self.close()

                loop.run_until_complete(main())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="mail-listener", daemon=True)
        self._thread.start()
        if not ready.wait(ready_timeout):
            raise TimeoutError("the mail listener did not start in time")
        if failure:
            self._thread.join()
            raise failure[0]

    def stop_thread(self, timeout: float = 30.0) -> None:
        """Stop a listener started with ``start_in_thread`` and wait for it."""
        loop, stop, thread = self._loop, self._stopping, self._thread
        if loop is None or stop is None or thread is None:
            return
        if not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
        self._thread = None
