"""What a channel accepts under a contract (R9): attachment size and kinds.

Intake screens every inbound attachment here. A file the policy does not admit is
not dropped: its bytes are already stored, the row is kept with `withheld=True`
and a reason, out of the thread, until an agent releases it, and the sender is
told once what to do instead.

The classification is pure (a file name and a declared type in, content kinds
out); only `policy_for` reads the database. Releasing a withheld file is an action
(`actions.attachments.release_attachments`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext

from zayavka.accounts.models import ChannelPolicy, ContentKind, Contract
from zayavka.core.refcache import cached
from zayavka.tickets.inbound import InboundAttachment


class Reason:
    """Why a file was withheld; the requester's notice words each one differently."""

    NO_FILES = "no_files"  # the channel accepts no attachments at all
    SIZE = "size"
    KIND = "kind"


# Inline images this small that a message refers to by Content-ID are the logos and
# icons of mail signatures: the sender did not mean to send a file, so they are held
# back quietly when the policy does not admit them, and never named in a notice.
SIGNATURE_IMAGE_BYTES = 16 * 1024
# Cryptographic signatures (S/MIME, OpenPGP) travel as attachments the sender never chose.
SIGNATURE_TYPES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)

_TYPE_KINDS = {
    "image": ContentKind.IMAGE,
    "audio": ContentKind.AUDIO,
    "video": ContentKind.VIDEO,
    "text": ContentKind.DOCUMENT,
    "message": ContentKind.DOCUMENT,
}
_DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/rtf",
        "application/json",
        "application/xml",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-outlook",
        "application/vnd.visio",
    }
)
_DOCUMENT_TYPE_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/vnd.ms-excel.",
    "application/vnd.ms-word.",
    "application/vnd.ms-powerpoint.",
)
_ARCHIVE_TYPES = frozenset(
    {
        "application/zip",
        "application/x-zip-compressed",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
    }
)
# Types that say nothing about the content: the file name decides.
_GENERIC_TYPES = frozenset(
    {"", "application/octet-stream", "application/unknown", "binary/octet-stream"}
)

_EXTENSIONS = {
    ContentKind.IMAGE: "jpg jpeg jpe png gif bmp tif tiff webp heic heif svg ico",
    ContentKind.AUDIO: "mp3 ogg oga opus wav m4a aac flac amr wma",
    ContentKind.VIDEO: "mp4 m4v mov avi mkv webm wmv 3gp mpeg mpg",
    ContentKind.DOCUMENT: (
        "pdf doc docx docm dot dotx rtf odt ods odp odg xls xlsx xlsm csv ppt pptx pptm "
        "txt log md json xml html htm eml msg vsd vsdx djvu epub"
    ),
    ContentKind.ARCHIVE: "zip 7z rar gz tgz bz2 tbz xz txz tar zst",
    # Programs and scripts: whatever the declared type, never "an image" or "a document".
    ContentKind.OTHER: (
        "exe com bat cmd msi msp scr pif cpl dll sys js jse vbs vbe wsf wsh ps1 psm1 "
        "sh jar apk app dmg iso img lnk hta reg"
    ),
}
_EXTENSION_KINDS = {ext: str(kind) for kind, names in _EXTENSIONS.items() for ext in names.split()}
# Office and OpenDocument files are zip files inside; some mailers declare them so.
_ZIP_DOCUMENTS = frozenset(
    {"docx", "docm", "dotx", "xlsx", "xlsm", "pptx", "pptm", "odt", "ods", "odp", "odg", "epub"}
)


@dataclass(frozen=True)
class Policy:
    """The effective policy of one channel: largest file, and the kinds admitted."""

    max_bytes: int
    # Empty admits every kind. "text" is the message itself: always admitted.
    allowed_kinds: frozenset[str] = frozenset()
    from_contract: bool = False

    @property
    def accepts_files(self) -> bool:
        return self.max_bytes > 0 and (
            not self.allowed_kinds or bool(self.allowed_kinds - {ContentKind.TEXT})
        )


@dataclass(frozen=True)
class Withheld:
    """An inbound attachment the policy does not admit."""

    index: int  # its position among the message's attachments
    attachment: InboundAttachment
    reason: str  # a Reason
    # A signature logo or an S/MIME signature: held back without telling the sender.
    incidental: bool
    # The reason as agents read it on the attachment, in the desk's language.
    detail: str


def policy_for(contract: Contract | None, channel: str) -> Policy:
    """The contract's policy for the channel, else the desk-wide default."""
    if contract is not None:
        row = _contract_policies(contract.pk).get(channel)
        if row is not None:
            kinds = row.allowed_kinds or []
            if isinstance(kinds, str):
                kinds = [kinds]
            # An unknown kind (a typo, "pdf") is kept: it admits nothing, rather than
            # turning the list into an empty one that would admit everything.
            return Policy(row.max_attachment_bytes, frozenset(map(str, kinds)), from_contract=True)
    return default_policy()


def default_policy() -> Policy:
    """The desk-wide policy: files up to ZAYAVKA_MAX_ATTACHMENT_BYTES, of every kind. It
    is also the one agents' own files are checked against."""
    return Policy(max(int(settings.ZAYAVKA_MAX_ATTACHMENT_BYTES), 0))


def _contract_policies(contract_id: int) -> dict[str, ChannelPolicy]:
    """The contract's policy rows by channel, cached per process (`core.refcache`): read
    for every message with files; a policy saved here clears it at once."""
    return cached(
        f"channel_policies:{contract_id}",
        lambda: {row.channel: row for row in ChannelPolicy.objects.filter(contract=contract_id)},
    )


def content_kinds(filename: str, content_type: str) -> frozenset[str]:
    """Every kind a file may be, from its declared type and its name's extension.

    A file counts as each kind either of them names, so "photo.exe" declared as
    image/png is an image *and* another file, and must be admitted as both.
    """
    ctype = content_type.split(";", 1)[0].strip().lower()
    ext = filename.rpartition(".")[2].strip().lower() if "." in filename else ""
    by_name = _EXTENSION_KINDS.get(ext)
    by_type = _kind_of_type(ctype)
    if by_type == ContentKind.ARCHIVE and ext in _ZIP_DOCUMENTS:
        by_type = None
    kinds = {k for k in (by_name, by_type) if k is not None}
    return frozenset(kinds or {ContentKind.OTHER})


def _kind_of_type(ctype: str) -> str | None:
    if ctype in _GENERIC_TYPES:
        return None
    if ctype in _DOCUMENT_TYPES or ctype.startswith(_DOCUMENT_TYPE_PREFIXES):
        return ContentKind.DOCUMENT
    if ctype in _ARCHIVE_TYPES:
        return ContentKind.ARCHIVE
    major = ctype.partition("/")[0]
    return _TYPE_KINDS.get(major, ContentKind.OTHER)


def is_incidental(att: InboundAttachment) -> bool:
    """Parts a mail client adds by itself: signature logos and cryptographic signatures."""
    ctype = att.content_type.split(";", 1)[0].strip().lower()
    if ctype in SIGNATURE_TYPES or att.filename.lower() == "smime.p7s":
        return True
    return (
        att.inline
        and bool(att.content_id)
        and ctype.startswith("image/")
        and att.byte_size <= SIGNATURE_IMAGE_BYTES
    )


def check(att: InboundAttachment, policy: Policy) -> str:
    """Why the policy does not admit the file (a Reason), or "" when it does."""
    if not policy.accepts_files:
        return Reason.NO_FILES
    if att.byte_size > policy.max_bytes:
        return Reason.SIZE
    if policy.allowed_kinds and not content_kinds(att.filename, att.content_type) <= (
        policy.allowed_kinds
    ):
        return Reason.KIND
    return ""


def screen(attachments: Sequence[InboundAttachment], policy: Policy) -> list[Withheld]:
    """The attachments of one message that the policy does not admit."""
    found = []
    for index, att in enumerate(attachments):
        reason = check(att, policy)
        if reason:
            found.append(
                Withheld(
                    index,
                    att,
                    reason,
                    incidental=is_incidental(att),
                    detail=describe(att, reason, policy),
                )
            )
    return found


def describe(att: InboundAttachment, reason: str, policy: Policy) -> str:
    """Why the file is withheld, for agents, in the desk's language."""
    with translation.override(settings.LANGUAGE_CODE):
        if reason == Reason.NO_FILES:
            text = gettext("The channel accepts no files under the policy.")
        elif reason == Reason.SIZE:
            text = gettext("Larger than the limit: %(size)s, at most %(limit)s.") % {
                "size": filesizeformat(att.byte_size),
                "limit": filesizeformat(policy.max_bytes),
            }
        else:
            kinds = content_kinds(att.filename, att.content_type) - policy.allowed_kinds
            text = gettext("A kind of file the policy does not accept: %(kinds)s.") % {
                "kinds": kind_labels(kinds)
            }
    return str(text)[:300]


def kind_labels(kinds: Iterable[str]) -> str:
    """«Images, Documents» in the active language, in the order of ContentKind; the
    message text itself ("text") is not a kind of file and is left out."""
    chosen = set(kinds) - {ContentKind.TEXT}
    return ", ".join(str(kind.label) for kind in ContentKind if kind.value in chosen)
