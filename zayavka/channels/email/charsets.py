"""Charset labels and byte decoding for mail as people really send it.

Russian mail arrives in five single-byte Cyrillic encodings, under labels that no
standard lists ("win-1251", "x-mac-cyrillic", "koi8r"), and often with no label at
all. Everything here is pure and never raises: a bad label falls back, a bad byte is
replaced, and the caller learns what happened through the returned defect text.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_FALLBACKS: tuple[str, ...] = ("utf-8", "windows-1251", "koi8-r", "cp866")

# Labels seen in the wild that Python's codec registry does not know, or knows as
# something narrower than what mailers mean by them. WHATWG's Encoding Standard is
# the model: "latin1"/"us-ascii" really mean windows-1252 in mail from Windows.
_ALIASES: dict[str, str] = {
    # Cyrillic
    "win1251": "cp1251",
    "win-1251": "cp1251",
    "windows1251": "cp1251",
    "cp-1251": "cp1251",
    "x-cp1251": "cp1251",
    "x-win1251": "cp1251",
    "1251": "cp1251",
    "cyrillic": "iso8859_5",
    "koi8r": "koi8_r",
    "koi8": "koi8_r",
    "koi-8-r": "koi8_r",
    "koi8-ru": "koi8_u",
    "koi8u": "koi8_u",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-ukrainian": "mac_cyrillic",
    "mac-cyrillic": "mac_cyrillic",
    "maccyrillic": "mac_cyrillic",
    "ibm866": "cp866",
    "ibm-866": "cp866",
    "cp-866": "cp866",
    "dos-866": "cp866",
    "866": "cp866",
    "x-ibm866": "cp866",
    "alt": "cp866",
    # Unicode
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode-2-0-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "x-utf8": "utf-8",
    "unicode": "utf-8",
    # Western: the C1 range is printable in windows-1252, never control codes in mail.
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "x-user-defined": "cp1252",
    "we8iso8859p1": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-8-i": "iso8859_8",
    # East Asian supersets: decoding with the superset never loses characters.
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "cp950",
    "x-x-big5": "cp950",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "tis-620": "cp874",
    "windows-874": "cp874",
}

# Codecs that are not text encodings (base64_codec, rot13, zlib) must never be
# reachable from a label in a message.
_NOT_TEXT = {"base64", "bz2", "hex", "quopri", "rot13", "uu", "zlib", "idna", "punycode"}

# Codec names as codecs.lookup() spells them.
_SINGLE_BYTE_CYRILLIC = ("cp1251", "koi8-r", "koi8-u", "cp866", "iso8859-5", "mac-cyrillic")

# Relative frequency of Russian letters (per mille, rounded); used to tell which
# single-byte decoding of the same bytes reads like Russian.
_RU_FREQ: dict[str, int] = {
    "о": 110, "е": 85, "а": 80, "и": 74, "н": 67, "т": 63, "с": 55, "р": 47, "в": 45,
    "л": 44, "к": 35, "м": 32, "д": 30, "п": 28, "у": 26, "я": 20, "ы": 19, "ь": 17,
    "г": 17, "з": 17, "б": 16, "ч": 15, "й": 12, "х": 10, "ж": 9, "ш": 7, "ю": 6,
    "ц": 5, "щ": 4, "э": 3, "ф": 3, "ъ": 1, "ё": 2,
}  # fmt: skip

_LATIN_RUN = re.compile(rb"[\x80-\xff]+")

# When bytes do not decode in the declared charset, mailers most often meant a
# sibling: Shift_JIS labelled ISO-2022-JP, Big5-HKSCS labelled Big5, and so on.
_FAMILY: dict[str, tuple[str, ...]] = {
    "iso2022_jp": ("iso2022_jp_2004", "iso2022_jp_ext", "iso2022_jp_3", "cp932", "euc_jp"),
    "euc_jp": ("cp932",),
    "cp932": ("euc_jp",),
    "iso2022_kr": ("cp949",),
    "cp950": ("big5hkscs",),
    "big5hkscs": ("cp950",),
    "gb18030": ("cp950",),
}


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from bytes, with the codec actually used and what went wrong."""

    text: str
    charset: str
    defect: str = ""


def normalize_charset(label: str | None) -> str | None:
    """Return a Python codec name for a MIME charset label, or None if unknown.

    Handles the odd spellings real mailers use ("win-1251", "koi8r", "x-mac-cyrillic",
    "unicode-1-1-utf-8"), RFC 2231 language suffixes ("utf-8*ru") and quoting.
    Never returns a non-text codec.
    """
    if not label:
        return None
    name = label.strip().strip("\"'").split("*", 1)[0].strip().lower()
    if not name or len(name) > 40:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name.split("_")[0] in _NOT_TEXT or info.name in _NOT_TEXT:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def strip_nul(text: str) -> str:
    """Remove NUL characters, which PostgreSQL text columns reject."""
    return text.replace("\x00", "") if "\x00" in text else text


def _cyrillic_score(text: str) -> float:
    """How much ``text`` reads like Russian: frequent letters, mostly lower case."""
    score = 0.0
    for ch in text:
        o = ord(ch)
        if 0x0410 <= o <= 0x044F or ch in "ёЁ":
            low = ch.lower()
            weight = _RU_FREQ.get(low, 1)
            # Mis-decoded KOI8/CP1251 flips case: real prose is mostly lower case.
            score += weight if ch == low else weight * 0.25
        elif o >= 0x80 and not ch.isalpha() and ch not in "«»—–“”„№…’‘ ":
            # Box drawing, currency and other symbols are the mark of a wrong table.
            score -= 40
    return score


def _looks_latin(data: bytes) -> bool:
    """True when 8-bit bytes sit alone inside ASCII words (Müller, café).

    Cyrillic text in any single-byte encoding produces long runs of high bytes;
    Western European text produces isolated ones.
    """
    runs = _LATIN_RUN.findall(data)
    if not runs:
        return False
    total = sum(len(r) for r in runs)
    return total / len(runs) < 1.6


def _iso2022jp_as_cp932(data: bytes) -> str | None:
    """Decode Microsoft's ISO-2022-JP (CP50220: NEC and IBM extension rows).

    Python's iso2022_jp codecs reject those rows (circled digits, Roman numerals),
    which Outlook sends routinely; re-encoding each JIS pair as Shift_JIS lets
    cp932, which has them, do the decoding.
    """
    out = bytearray()
    mode = "ascii"
    i, n = 0, len(data)
    while i < n:
        if data[i] == 0x1B:
            seq = data[i + 1 : i + 3]
            if seq in (b"$B", b"$@"):
                mode = "jis"
            elif seq in (b"(B", b"(J"):
                mode = "ascii"
            elif seq == b"(I":
                mode = "kana"
            else:
                return None
            i += 3
            continue
        byte = data[i]
        if mode == "jis" and byte >= 0x21 and i + 1 < n:
            c1, c2 = byte, data[i + 1]
            s1 = ((c1 - 0x21) >> 1) + 0x81
            if s1 > 0x9F:
                s1 += 0x40
            s2 = c2 + 0x1F + (c2 >= 0x60) if c1 & 1 else c2 + 0x7E
            out += bytes((s1 & 0xFF, s2 & 0xFF))
            i += 2
            continue
        out.append(byte + 0x80 if mode == "kana" and 0x21 <= byte <= 0x5F else byte)
        i += 1
    try:
        return out.decode("cp932")
    except UnicodeDecodeError:
        return None


def decode_sibling(data: bytes, codec: str) -> Decoded | None:
    """Decode with a charset of the same family as ``codec``, if one fits exactly."""
    if codec == "iso2022_jp" and b"\x1b" in data and data.isascii():
        text = _iso2022jp_as_cp932(data)
        if text is not None:
            return Decoded(text, "cp50220", "iso2022_jp text with Microsoft extensions")
    for sibling in _FAMILY.get(codec, ()):
        if sibling in ("cp932", "euc_jp") and data.isascii():
            continue  # pure 7-bit ESC streams would "decode" as garbage
        try:
            return Decoded(data.decode(sibling), sibling, f"{codec} text decoded as {sibling}")
        except UnicodeDecodeError:
            continue
    return None


def guess_decode(data: bytes, fallbacks: Sequence[str] = DEFAULT_FALLBACKS) -> Decoded:
    """Decode bytes that carry no (usable) charset label.

    Tries the configured fallbacks in order, except that single-byte Cyrillic
    candidates, which decode any byte, are compared by a letter-frequency score
    instead of taking the first. Valid UTF-8 always wins when it is listed. Text
    whose 8-bit bytes look like accented Latin letters is decoded as windows-1252.
    """
    if data.isascii():
        return Decoded(data.decode("ascii"), "ascii")
    names = [n for n in (normalize_charset(f) for f in fallbacks) if n]
    single: list[str] = []
    for name in names:
        if name in _SINGLE_BYTE_CYRILLIC:
            single.append(name)
            continue
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            sibling = decode_sibling(data, name)
            if sibling is not None:
                return sibling
            continue
        if name == "utf-8":
            text = text.removeprefix("\ufeff")
        return Decoded(text, name)
    if single:
        if _looks_latin(data):
            return Decoded(data.decode("cp1252", errors="replace"), "cp1252")
        best = max(single, key=lambda n: _cyrillic_score(data.decode(n, errors="replace")))
        return Decoded(data.decode(best, errors="replace"), best)
    return Decoded(data.decode("utf-8", errors="replace"), "utf-8", "undecodable bytes replaced")


def decode_bytes(
    data: bytes, label: str | None, fallbacks: Sequence[str] = DEFAULT_FALLBACKS
) -> Decoded:
    """Decode ``data`` declared as ``label``; never raises.

    An unknown or missing label falls back to :func:`guess_decode`. A declared UTF-8
    body that is mostly invalid is re-guessed (it is usually windows-1251 sent by a
    misconfigured client); a few bad bytes are replaced. A UTF-8 BOM is dropped.
    A KOI8-R/windows-1251 label that contradicts the bytes is corrected.
    """
    name = normalize_charset(label)
    if name is None:
        guessed = guess_decode(data, fallbacks)
        if label and label.strip().lower() not in ("", "us-ascii", "ascii"):
            return Decoded(guessed.text, guessed.charset, f"unknown charset {label[:40]!r}")
        return guessed
    # "us-ascii" is the label of clients that never set one; 8-bit bytes under it
    # are as likely Cyrillic as Latin.
    if (
        name == "cp1252"
        and not data.isascii()
        and label
        and label.strip().lower() in ("us-ascii", "ascii", "ansi_x3.4-1968")
    ):
        return guess_decode(data, fallbacks)
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        sibling = decode_sibling(data, name)
        if sibling is not None:
            return sibling
        text = data.decode(name, errors="replace")
        if name == "utf-8":
            bad = text.count("\ufffd")
            non_ascii = sum(1 for ch in text if ord(ch) > 0x7F)
            if bad * 3 > non_ascii:
                guessed = guess_decode(
                    data, [f for f in fallbacks if normalize_charset(f) != "utf-8"]
                )
                return Decoded(guessed.text, guessed.charset, "body is not the declared utf-8")
        return Decoded(text, name, f"invalid bytes for {name} replaced")
    except LookupError:
        return guess_decode(data, fallbacks)
    if name == "utf-8":
        text = text.removeprefix("\ufeff")
    elif name in ("koi8-r", "cp1251") and len(text) >= 12:
        other = "cp1251" if name == "koi8-r" else "koi8-r"
        alt = data.decode(other, errors="replace")
        if _cyrillic_score(alt) > 2 * max(_cyrillic_score(text), 1.0) + 200:
            return Decoded(alt, other, f"body declared {name} decodes as {other}")
    return Decoded(text, name)


def with_hint(fallbacks: Sequence[str], hint: str | None) -> tuple[str, ...]:
    """Fallbacks for raw 8-bit headers, given the charset the body declares.

    Legacy clients write raw header bytes in the body's charset. A multi-byte
    hint (Shift_JIS, GB18030, UTF-8) is tried first because a wrong guess fails
    to decode; a Cyrillic one joins the scored candidates; a Western single-byte
    hint is ignored because it would decode anything and win every time.
    """
    codec = normalize_charset(hint)
    if (
        codec is None
        or codec in ("cp1252", "ascii")
        or codec.startswith(("cp125", "iso8859", "latin"))
    ):
        if codec in _SINGLE_BYTE_CYRILLIC:
            return (*fallbacks, codec)
        return tuple(fallbacks)
    if codec in _SINGLE_BYTE_CYRILLIC:
        return (*fallbacks, codec)
    return (codec, *fallbacks)
