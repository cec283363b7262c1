"""A private Dovecot IMAP server for the tests, from Debian's `dovecot-imapd` package.

It runs from a generated configuration in a directory of its own (its own base_dir and
state, log file, passwd-file users, maildirs), listens on 127.0.0.1 on free ports
(IMAP with STARTTLS, and IMAPS) with a self-signed certificate made at start, and never
touches the system's Dovecot service or its ports. Messages are put in with IMAP APPEND,
as any mail client would.
"""

from __future__ import annotations

import contextlib
import getpass
import grp
import imaplib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
# /usr/sbin is not on every user's PATH.
DOVECOT = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin")
OPENSSL = shutil.which("openssl")
ACCOUNTS = 200
HOW_TO_INSTALL = "run bin/setup --dev as root (apt-get install dovecot-imapd)"


def available() -> bool:
    return DOVECOT is not None and OPENSSL is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Account:
    user: str
    password: str


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Dovecot:
    """One server: ``with Dovecot.start() as server: ...``. ``account()`` gives a fresh
    user with an empty mailbox; ``mailbox_fields()`` and ``append_many()`` work on a
    default one (for a desk's ``Mailbox`` and for benchmarks)."""

    def __init__(self, root: Path | None = None) -> None:
        if DOVECOT is None or OPENSSL is None:
            raise RuntimeError("dovecot and openssl are needed")
        # By default not under pytest's tmp_path: that is private to the user running the
        # tests, and when that is root, Dovecot's mail processes run as another user.
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="zayavka-dovecot-"))
        self.root.chmod(0o755)
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.ca_file = self.root / "cert.pem"
        self.log = self.root / "dovecot.log"
        self.passwd = self.root / "passwd"
        self.mail = self.root / "mail"
        self._process: subprocess.Popen[bytes] | None = None
        self._accounts: list[Account] = []
        self._default: Account | None = None

    # --- life cycle ---------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def start(cls, root: Path | None = None) -> Iterator[Dovecot]:
        """A running server (files under ``root``, else a new temporary directory),
        stopped on the way out."""
        server = cls(root)
        try:
            server.launch()
            yield server
        finally:
            server.stop()

    def launch(self) -> None:
        assert DOVECOT is not None and OPENSSL is not None
        key = self.root / "key.pem"
        subprocess.run(
            [
                OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", str(key), "-out", str(self.ca_file),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        key.chmod(0o600)
        self.mail.mkdir()
        # All users up front: Dovecot re-reads a changed passwd-file at most once a second.
        self._accounts = [
            Account(f"desk{n}@example.test", secrets.token_urlsafe(12))
            for n in range(1, ACCOUNTS + 1)
        ]
        self.passwd.write_text(
            "".join(f"{a.user}:{{PLAIN}}{a.password}::::::\n" for a in self._accounts)
        )
        mail_user, login_user, internal_user = self._users_to_run_as()
        uid, gid = pwd.getpwnam(mail_user).pw_uid, pwd.getpwnam(mail_user).pw_gid
        os.chown(self.mail, uid, gid)
        self.passwd.chmod(0o644)
        conf = self.root / "dovecot.conf"
        conf.write_text(
            _CONFIG.format(
                root=self.root,
                instance=f"zayavka-test-{self.imap_port}",
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                key=key,
                cert=self.ca_file,
                uid=uid,
                gid=gid,
                group=grp.getgrgid(gid).gr_name,
                login_user=login_user,
                internal_user=internal_user,
                chroot="" if os.geteuid() != 0 else "login",
            )
        )
        with (self.root / "stderr").open("wb") as stderr:
            self._process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if self._listening(self.imap_port) and self._listening(self.imaps_port):
                return
            time.sleep(0.05)
        logs = self.logs()
        self.stop()
        raise RuntimeError(f"dovecot did not start:\n{logs}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def logs(self) -> str:
        parts = []
        for name in ("stderr", "dovecot.log"):
            path = self.root / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    @staticmethod
    def _listening(port: int) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return True
        return False

    @staticmethod
    def _users_to_run_as() -> tuple[str, str, str]:
        """(mail, login, internal) users: Dovecot refuses to keep mail as root."""
        if os.geteuid() != 0:
            me = getpass.getuser()
            return me, me, me

        def exists(name: str) -> bool:
            try:
                pwd.getpwnam(name)
            except KeyError:
                return False
            return True

        mail = "nobody"
        login = "dovenull" if exists("dovenull") else "nobody"
        internal = "dovecot" if exists("dovecot") else "nobody"
        return mail, login, internal

    # --- accounts and messages ----------------------------------------------------

    def account(self) -> Account:
        """A user not handed out before: an empty mailbox."""
        if not self._accounts:
            raise RuntimeError(f"all {ACCOUNTS} test accounts are used: raise ACCOUNTS")
        return self._accounts.pop(0)

    def mailbox_fields(self, **overrides: object) -> dict[str, object]:
        """Fields of a desk ``Mailbox`` polling the default account over plain IMAP."""
        account = self._default_account()
        fields: dict[str, object] = {
            "name": "support",
            "host": HOST,
            "port": self.imap_port,
            "security": "plain",
            "username": account.user,
            "password": account.password,
        }
        return {**fields, **overrides}

    def append_many(self, messages: list[bytes], account: Account | None = None) -> None:
        """APPEND ``messages`` to the INBOX of ``account`` (default: the default one)."""
        self.append(account or self._default_account(), *messages)

    def _default_account(self) -> Account:
        if self._default is None:
            self._default = self.account()
        return self._default

    @contextlib.contextmanager
    def client(self, account: Account, folder: str = "INBOX") -> Iterator[imaplib.IMAP4]:
        """A plain IMAP session (loopback), logged in, with ``folder`` selected."""
        imap = imaplib.IMAP4(HOST, self.imap_port, timeout=30)
        try:
            imap.login(account.user, account.password)
            if folder:
                typ, _ = imap.select(_quote(folder))
                assert typ == "OK", f"cannot select {folder}"
            yield imap
        except BaseException:
            with contextlib.suppress(OSError):
                imap.shutdown()
            raise
        imap.logout()

    def append(self, account: Account, *messages: bytes, folder: str = "INBOX") -> None:
        with self.client(account, folder="") as imap:
            for raw in messages:
                typ, data = imap.append(_quote(folder), "", None, raw)
                assert typ == "OK", data

    def uids(self, account: Account, criteria: str = "ALL", folder: str = "INBOX") -> list[int]:
        """UIDs matching ``criteria`` (``[]`` when the folder does not exist)."""
        with self.client(account, folder="") as imap:
            typ, _ = imap.select(_quote(folder), readonly=True)
            if typ != "OK":
                return []
            typ, data = imap.uid("SEARCH", criteria)
            assert typ == "OK", data
            return sorted(int(n) for n in (data[0] or b"").split())

    def flags(self, account: Account, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message's flags and keywords, by UID."""
        with self.client(account, folder="") as imap:
            imap.select(_quote(folder), readonly=True)
            typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            assert typ == "OK", data
        found: dict[int, set[str]] = {}
        for line in data:
            if not isinstance(line, bytes):
                continue
            match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", line) or re.search(
                rb"FLAGS \(([^)]*)\) UID (\d+)", line
            )
            if match is None:
                continue
            a, b = match.groups()
            uid, names = (a, b) if a.isdigit() else (b, a)
            found[int(uid)] = set(names.decode().split())
        return found

    def folders(self, account: Account) -> set[str]:
        with self.client(account, folder="") as imap:
            typ, data = imap.list()
            assert typ == "OK", data
        names = set()
        for line in data:
            if isinstance(line, bytes):
                match = re.match(rb'\([^)]*\) (?:"[^"]*"|NIL) "?([^"]*)"?$', line)
                if match:
                    names.add(match.group(1).decode())
        return names


# Dovecot 2.3. A standalone configuration: nothing from /etc/dovecot is read.
_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = {instance}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {group}

ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose: no delay after a failure, and no
# penalty for the next logins from 127.0.0.1 (anvil's penalty socket is closed to auth).
auth_failure_delay = 0

mail_location = maildir:{root}/mail/%u
# Test mail is thrown away: no fsync per message.
mail_fsync = never
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 1
first_valid_gid = 1
namespace inbox {{
  inbox = yes
  separator = /
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}

service imap-login {{
  chroot = {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
