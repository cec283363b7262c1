"""Field-by-field conformance of the email parser against public mail corpora.

Shared by ``tests/channels/email/test_corpora.py`` (hard thresholds plus a reviewed
allow-list) and ``bench/email_conformance.py`` (a score table). Each corpus keeps
its own expectation format; the readers below translate them into checks of one
field of a parse result. The same checks run against a baseline built on the
stdlib parser alone (``policy.default``), so the table shows what our code adds.
"""

from __future__ import annotations

import difflib
import email
import email.policy
import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from zayavka.channels.email.htmltext import html_to_text
from zayavka.channels.email.parsing import parse_message

TIME_BUDGET_SECONDS = 1.0
_SKIP_SUFFIXES = (".json", ".yml", ".yaml", ".md")


@dataclass(slots=True)
class View:
    """The fields a corpus can check, from either parser."""

    subject: str = ""
    from_email: str = ""
    from_name: str = ""
    from_unambiguous: bool = False
    text: str = ""
    reply_text: str = ""
    html: str = ""
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, data
    auto_generated: bool = False
    bounce: bool = False


Parser = Callable[[bytes], View]


def ours(raw: bytes) -> View:
    """Zayavka's parser."""
    p = parse_message(raw)
    return View(
        subject=p.subject,
        from_email=p.from_email,
        from_name=p.from_name,
        from_unambiguous=p.from_unambiguous,
        text=p.text,
        reply_text=p.reply_text,
        html=p.html,
        attachments=[(a.filename, a.content_type, a.content) for a in p.attachments],
        auto_generated=p.auto_generated,
        bounce=p.bounce,
    )


def stdlib(raw: bytes) -> View:
    """The baseline: what ``email`` with ``policy.default`` gives with no help.

    It has no reply extraction and no machine-mail detection, so its reply text is
    the whole text and both flags are false.
    """
    view = View()
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        view.subject = str(msg.get("subject", "") or "")
        from_h: Any = msg.get("from")
        if from_h is not None and getattr(from_h, "addresses", None):
            view.from_email = from_h.addresses[0].addr_spec.lower()
            view.from_name = from_h.addresses[0].display_name
        body = msg.get_body(preferencelist=("plain", "html"))
        if body is not None:
            content = body.get_content()
            if body.get_content_type() == "text/html":
                view.html = content
                view.text = html_to_text(content)
            else:
                view.text = content
        view.reply_text = view.text
        for part in msg.iter_attachments():
            try:
                data = part.get_payload(decode=True) or b""
            except Exception:  # the baseline may fail where we do not; score it as empty
                data = b""
            view.attachments.append(
                (part.get_filename() or "", part.get_content_type(), bytes(data))
            )
    except Exception:  # a baseline crash scores as an empty result
        return view
    return view


@dataclass(slots=True)
class Score:
    passed: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, item: str) -> None:
        self.total += 1
        if ok:
            self.passed += 1
        else:
            self.failures.append(item)


@dataclass(slots=True)
class Report:
    scores: dict[str, Score] = field(default_factory=dict)
    slowest: tuple[float, str] = (0.0, "")
    files: int = 0

    def score(self, key: str) -> Score:
        return self.scores.setdefault(key, Score())


# -- normalisation helpers ---------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())


def _same_name(expected: str, got: str) -> bool:
    """Filename equality; Zammad's U+FFFD (an undecodable byte) matches any char."""
    expected, got = _norm(expected), _norm(got)
    if "\ufffd" not in expected:
        return expected == got
    pattern = ".".join(re.escape(p) for p in expected.split("\ufffd"))
    return re.fullmatch(pattern, got) is not None


def similar_text(expected: str, got: str, threshold: float = 0.9) -> bool:
    """Visible-text match: word sequences at least ``threshold`` alike."""
    a, b = _words(expected), _words(got)
    if not a:
        return not b or len(b) < 5
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio() >= threshold or matcher.find_longest_match().size >= 0.95 * len(a)


def _reply_lines(text: str) -> list[str]:
    return [_norm(line) for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


# -- corpus readers ----------------------------------------------------------


def _yaml_load(path: Path) -> Any:
    import base64

    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def ruby(loader: Loader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        value = loader.construct_scalar(node)  # type: ignore[arg-type]
        return base64.b64decode(str(value)) if suffix == "binary" else value

    Loader.add_multi_constructor("!", ruby)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - SafeLoader subclass


def _zammad(root: Path, parse: Parser, report: Report) -> None:
    for box in sorted((root / "zammad-mail" / "mail").glob("*.box")):
        expected_path = box.with_suffix(".yml")
        if not expected_path.exists():
            continue
        exp = _yaml_load(expected_path) or {}
        got = parse(box.read_bytes())
        name = box.stem
        report.score("zammad.subject").check(
            _norm(str(exp.get("subject") or "")) == _norm(got.subject), name
        )
        report.score("zammad.from_email").check(
            str(exp.get("from_email") or "").casefold() == got.from_email.casefold(), name
        )
        body = str(exp.get("body") or "")
        if body.strip() == "no visible content":
            body = ""  # Zammad's placeholder for an empty body
        shown = got.text
        if exp.get("content_type") == "text/html":
            # Zammad shows the HTML alternative: compare with our rendering of it.
            body = html_to_text(body)
            shown = html_to_text(got.html) if got.html else got.text
        ok = similar_text(body, shown) or similar_text(body, got.text)
        report.score("zammad.body").check(ok, name)
        wanted = [
            a for a in exp.get("attachments") or []
            if not (a.get("preferences") or {}).get("content-alternative")
        ]  # fmt: skip
        want_names = sorted(_norm(str(a.get("filename") or "")) for a in wanted)
        got_names = sorted(_norm(n) for n, _, _ in got.attachments)
        names_ok = len(want_names) == len(got_names) and all(
            _same_name(w, g) for w, g in zip(want_names, got_names, strict=True)
        )
        report.score("zammad.attachment_names").check(names_ok, name)
        for att in wanted:
            data = att.get("data")
            if data is None:
                continue
            want = data if isinstance(data, bytes) else str(data).encode("utf-8")
            fname = str(att.get("filename") or "")
            match = [c for n, _, c in got.attachments if _same_name(fname, n)]
            ok = any(_same_content(want, c) for c in match)
            report.score("zammad.attachment_content").check(ok, f"{name}:{fname}")


def _same_content(want: bytes, got: bytes) -> bool:
    if want == got:
        return True
    # Zammad stores text attachments re-encoded as UTF-8 with normalised newlines.
    for charset in ("utf-8", "cp1252", "iso-8859-15", "koi8-r", "cp1251"):
        try:
            text = got.decode(charset)
        except UnicodeDecodeError:
            continue
        if _norm(text) == _norm(want.decode("utf-8", "replace")):
            return True
    return False


def _rt(root: Path, parse: Parser, report: Report) -> None:
    base = root / "rt-emails"
    expected = json.loads((base / "EXPECTED.json").read_text(encoding="utf-8"))
    for rel, exp in sorted(expected.items()):
        if rel.startswith("_") or "*" in rel:
            continue
        path = base / rel
        if not path.exists():
            continue
        got = parse(path.read_bytes())
        if "subject" in exp:
            want = str(exp["subject"])
            if want.startswith("0123456789 x20"):
                want = "0123456789" * 20
            report.score("rt.subject").check(_norm(want) == _norm(got.subject), rel)
        if "body_contains" in exp:
            report.score("rt.body").check(_norm(exp["body_contains"]) in _norm(got.text), rel)
        if "attachment_filename" in exp:
            names = [_norm(n) for n, _, _ in got.attachments]
            report.score("rt.attachment_names").check(
                _norm(exp["attachment_filename"]) in names, rel
            )
    crypto_types = {
        "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pkcs7-mime",
        "application/x-pkcs7-mime", "application/pgp-signature", "application/pgp-encrypted",
        "application/octet-stream",
    }  # fmt: skip
    for path in sorted((base / "t" / "data").rglob("*")):
        if not path.is_file() or not any(p in path.parts for p in ("smime", "gnupg")):
            continue
        head = path.read_bytes()[:4000].lower()
        if not re.search(
            rb"content-type:\s*(multipart/(signed|encrypted)|application/pkcs7-mime)", head
        ):
            continue
        got = parse(path.read_bytes())
        ok = any(ctype in crypto_types for _, ctype, _ in got.attachments)
        report.score("rt.crypto_parts_kept").check(ok, str(path.relative_to(base)))


def _synthetic(root: Path, parse: Parser, report: Report) -> None:
    base = root / "synthetic-ru"
    expected = json.loads((base / "expected.json").read_text(encoding="utf-8"))
    for name, exp in sorted(expected.items()):
        path = base / name
        if not path.exists():
            continue
        got = parse(path.read_bytes())
        if "subject" in exp:
            report.score("synthetic.subject").check(
                _norm(exp["subject"]) == _norm(got.subject), name
            )
        if "from_email" in exp:
            report.score("synthetic.from_email").check(exp["from_email"] == got.from_email, name)
        if "from_name" in exp:
            report.score("synthetic.from_name").check(
                _norm(exp["from_name"]) == _norm(got.from_name), name
            )
        if "body_contains" in exp:
            ok = all(_norm(s) in _norm(got.text) for s in exp["body_contains"])
            report.score("synthetic.body").check(ok, name)
        if "attachments" in exp:
            ok = sorted(exp["attachments"]) == sorted(n for n, _, _ in got.attachments)
            report.score("synthetic.attachment_names").check(ok, name)
        if "reply_text" in exp:
            ok = _reply_lines(exp["reply_text"]) == _reply_lines(got.reply_text)
            report.score("synthetic.reply_text").check(ok, name)
        if exp.get("kind") == "ticket":
            report.score("synthetic.human_not_auto").check(not got.auto_generated, name)
        if exp.get("identity"):
            report.score("synthetic.from_unambiguous").check(got.from_unambiguous, name)


_TALON_HTML_REPLY = "Hi. I am fine.\n\nThanks,\nAlex"


def _as_message(body: str, subtype: str) -> bytes:
    head = (
        "From: a@example.com\nTo: b@example.com\nSubject: fixture\nMIME-Version: 1.0\n"
        f"Content-Type: text/{subtype}; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    )
    return head.encode("ascii") + body.encode("utf-8", "surrogateescape")


def _talon(root: Path, parse: Parser, report: Report) -> None:
    base = root / "talon" / "tests" / "fixtures"
    for path in sorted((base / "standard_replies").glob("*.eml")):
        sibling = path.with_name(path.stem + "_reply_text")
        want = sibling.read_text(encoding="utf-8").strip() if sibling.exists() else "Hello"
        got = parse(path.read_bytes())
        ok = _reply_lines(want) == _reply_lines(got.reply_text)
        report.score("talon.plain_reply").check(ok, path.name)
    for path in sorted((base / "html_replies").glob("*.html")):
        html = path.read_bytes().decode("utf-8", "surrogateescape")
        got = parse(_as_message(html, "html"))
        ok = _reply_lines(_TALON_HTML_REPLY) == _reply_lines(got.reply_text)
        report.score("talon.html_reply").check(ok, path.name)


def _reply_parsers(root: Path, expectations: Path, parse: Parser, report: Report) -> None:
    doc = json.loads(expectations.read_text(encoding="utf-8"))
    common = doc["@common"]
    for rel, exp in sorted(doc["fixtures"].items()):
        path = root / rel
        if not path.exists():
            continue
        text = path.read_bytes().decode("utf-8", "surrogateescape").replace("\r\n", "\n")
        got = parse(_as_message(text, "plain")).reply_text
        ok = True
        if "equals" in exp:
            want = common if exp["equals"] == "@common" else exp["equals"]
            ok = _reply_lines(want) == _reply_lines(got)
        ok = ok and all(_norm(s) in _norm(got) for s in exp.get("contains", []))
        ok = ok and not any(_norm(s) in _norm(got) for s in exp.get("excludes", []))
        report.score("replies.first_fragment").check(ok, rel)


def _sisimai(root: Path, parse: Parser, report: Report) -> None:
    base = root / "sisimai-sample"
    for path in sorted((base / "bsd").glob("*")):
        if path.is_file():
            got = parse(path.read_bytes())
            report.score("sisimai.machine_detected").check(
                got.auto_generated or got.bounce, path.name
            )
    for path in sorted((base / "not").glob("*")):
        if path.is_file():
            got = parse(path.read_bytes())
            report.score("sisimai.human_not_auto").check(not got.auto_generated, path.name)


def _every_file(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.endswith(_SKIP_SUFFIXES) and path.name != "README":
            yield path


def _robustness(root: Path, parse: Parser, report: Report) -> None:
    """Every corpus file parses without an exception within the time budget."""
    for path in _every_file(root):
        raw = path.read_bytes()
        start = time.perf_counter()
        try:
            parse(raw)
            ok = True
        except Exception:  # the measured property: count it, do not propagate
            ok = False
        elapsed = time.perf_counter() - start
        rel = str(path.relative_to(root))
        report.files += 1
        report.slowest = max(report.slowest, (elapsed, rel))
        report.score("all.no_exception").check(ok, rel)
        report.score("all.within_time_budget").check(elapsed < TIME_BUDGET_SECONDS, rel)


def run(
    corpora: Path,
    parse: Parser = ours,
    *,
    reply_expectations: Path | None = None,
    robustness: bool = True,
) -> Report:
    """Score ``parse`` on every corpus present under ``corpora``."""
    report = Report()
    if (corpora / "zammad-mail").exists():
        _zammad(corpora, parse, report)
    if (corpora / "rt-emails").exists():
        _rt(corpora, parse, report)
    if (corpora / "synthetic-ru").exists():
        _synthetic(corpora, parse, report)
    if (corpora / "talon").exists():
        _talon(corpora, parse, report)
    if reply_expectations is not None and reply_expectations.exists():
        _reply_parsers(corpora, reply_expectations, parse, report)
    if (corpora / "sisimai-sample").exists():
        _sisimai(corpora, parse, report)
    if robustness:
        _robustness(corpora, parse, report)
    return report
