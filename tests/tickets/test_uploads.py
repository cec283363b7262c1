"""The one check of attached files (`uploads.check_files`): the portal, the web form and
the desk's replies and notes refuse the same way, in words for whoever attached them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from zayavka.accounts.models import ContentKind
from zayavka.tickets.policy import Policy, default_policy
from zayavka.tickets.uploads import MAX_FILES, FileInfo, check_files

KB = 1024
EVERYTHING_ELSE = "Everything else you typed is kept; choose the files again."


@pytest.fixture(autouse=True)
def _english(in_english: None) -> None:
    """The messages are read in English."""


def problems(files: list[FileInfo], policy: Policy, **kwargs: Any) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        check_files(files, policy, **kwargs)
    return [m.replace("\xa0", " ") for m in refused.value.messages]


def test_files_the_policy_admits_pass() -> None:
    policy = Policy(300 * KB, frozenset({ContentKind.IMAGE, ContentKind.DOCUMENT}))
    check_files([("screen.png", 300 * KB, "image/png"), ("act.pdf", 10, "")], policy)
    check_files([], Policy(0))  # nothing attached: nothing to refuse


def test_a_file_too_large_names_its_size_and_the_limit() -> None:
    assert problems([("screen.png", 301 * KB, "image/png")], Policy(300 * KB)) == [
        "screen.png is 301.0 KB: files may be at most 300.0 KB.",
        EVERYTHING_ELSE,
    ]


def test_a_kind_the_policy_does_not_accept_names_the_accepted_ones() -> None:
    policy = Policy(300 * KB, frozenset({ContentKind.IMAGE, ContentKind.DOCUMENT}))
    assert problems([("fix.exe", 2, "image/png")], policy)[0] == (
        "fix.exe is a kind of file not accepted here. Accepted: Images, Documents."
    )
    # Without a declared type the name decides.
    assert problems([("fix.exe", 2)], policy)[0].startswith("fix.exe is a kind")


def test_a_channel_without_files_says_so_once() -> None:
    assert problems([("a.png", 1, "image/png"), ("b.png", 1, "image/png")], Policy(0)) == [
        "Files cannot be attached here.",
        EVERYTHING_ELSE,
    ]


def test_too_many_files_and_too_much_together() -> None:
    many: list[FileInfo] = [(f"{n}.txt", 1, "text/plain") for n in range(MAX_FILES + 1)]
    assert problems(many, Policy(KB))[0] == f"Attach at most {MAX_FILES} files."
    two: list[FileInfo] = [("a.txt", KB, "text/plain"), ("b.txt", KB, "text/plain")]
    check_files(two, Policy(KB))  # no total limit unless one is given
    assert problems(two, Policy(KB), max_total=KB + 1)[0] == (
        "The files together are larger than 1.0 KB."
    )


def test_a_name_is_shown_without_its_path() -> None:
    assert problems([("../../etc/big.bin", 2 * KB)], Policy(KB))[0].startswith("big.bin is 2.0")


def test_agents_have_the_desk_default_every_kind_up_to_the_setting(settings: Any) -> None:
    settings.ZAYAVKA_MAX_ATTACHMENT_BYTES = 2 * KB
    policy = default_policy()
    assert policy == Policy(2 * KB)
    check_files([("tool.exe", 2 * KB, "application/x-msdownload")], policy)
    assert problems([("big.iso", 2 * KB + 1)], policy)[0].startswith("big.iso is 2.0 KB")
