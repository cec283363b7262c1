"""Readable, stable article addresses: titles in Latin letters, Cyrillic transliterated.

Pure: no models. The transliteration follows the passport (ICAO) table without its
apostrophes, so that «Почта не приходит» becomes `pochta-ne-prikhodit`.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 80

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    "і": "i",
    "ї": "i",
    "є": "ie",
    "ґ": "g",
}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def transliterate(text: str) -> str:
    """Russian (and other Cyrillic) letters in Latin ones; other letters lose accents."""
    out = []
    for ch in text.lower():
        if ch in _CYRILLIC:
            out.append(_CYRILLIC[ch])
        else:
            out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode())
    return "".join(out)


def slug_from_title(title: str) -> str:
    """The address part for a title: lower-case Latin letters, digits and hyphens, at
    most MAX_SLUG characters cut at a word boundary; "article" when nothing is left."""
    slug = _NOT_SLUG.sub("-", transliterate(title)).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[: MAX_SLUG + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:MAX_SLUG]
    return slug or "article"


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= MAX_SLUG and bool(SLUG_PATTERN.match(slug))


def numbered(slug: str, n: int) -> str:
    """The n-th alternative of a taken slug: `slug-2`, `slug-3`, … within MAX_SLUG."""
    suffix = f"-{n}"
    return slug[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
