"""Fixtures of the email channel's tests: a private Dovecot IMAP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.email.dovecot import HOW_TO_INSTALL, Account, Dovecot, available
from tests.servers import requires_server


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the session, on free loopback ports; stopped at the end."""
    requires_server("Dovecot (IMAP server)", available(), HOW_TO_INSTALL)
    with Dovecot.start() as server:
        yield server


@pytest.fixture
def account(dovecot: Dovecot) -> Account:
    """A fresh IMAP user with an empty INBOX."""
    return dovecot.account()
