"""Configuration and translations stay complete as the code grows."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    documented = set(
        re.findall(r"^(ZAYAVKA_[A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    read = set()
    for path in (ROOT / "zayavka").rglob("*.py"):
        read |= set(re.findall(r"env_\w+\(\s*[\"'](ZAYAVKA_[A-Z0-9_]+)[\"']", path.read_text()))
    assert read, "no settings found: the pattern is stale"
    assert read - documented == set(), "add these to .env.example"
    assert documented - read == set(), "these are documented but never read"


def parse_po(path: Path) -> dict[tuple[str, str], list[str]]:
    """msgctxt+msgid -> msgstr forms, from a .po file (enough of the format for ours)."""
    entries: dict[tuple[str, str], list[str]] = {}
    current: dict[str, str] = {}
    key = ""

    def flush() -> None:
        if current.get("msgid"):
            forms = [v for k, v in sorted(current.items()) if k.startswith("msgstr")]
            entries[(current.get("msgctxt", ""), current["msgid"])] = forms
        current.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            if line.startswith("#~"):
                continue
            if not line.strip():
                flush()
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            if match.group(1) in {"msgctxt", "msgid"} and "msgstr" in current:
                flush()
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"'):
            current[key] += line[1:-1]
    flush()
    return entries


def test_the_russian_catalogue_is_complete_and_compiled() -> None:
    po = ROOT / "zayavka/locale/ru/LC_MESSAGES/django.po"
    entries = parse_po(po)
    assert len(entries) > 100
    # msgmerge's guesses: msgfmt leaves them out, so the text would show in English.
    assert "#, fuzzy" not in po.read_text(encoding="utf-8"), "review the fuzzy entries"
    missing = [msgid for (_, msgid), forms in entries.items() if not all(forms)]
    assert missing == [], "untranslated"
    with (ROOT / "zayavka/locale/ru/LC_MESSAGES/django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for (ctx, msgid), forms in entries.items():
        if ctx or len(forms) > 1:
            continue
        assert compiled.gettext(unescape(msgid)) == unescape(forms[0]), (
            f"stale .mo for {msgid!r}: run msgfmt"
        )


def unescape(po_string: str) -> str:
    return po_string.encode().decode("unicode_escape").encode("latin-1").decode()
