"""A readable plain-text rendering of mail HTML, and where its quoted part starts.

This is for the text body, search and reply extraction only: what an agent sees
of the HTML is the sanitised HTML itself. The renderer is the stdlib HTMLParser,
which never raises on malformed markup; it drops scripts, styles and comments,
turns blocks into line breaks, and remembers the first element that mail clients
use to wrap quoted history (Gmail's ``gmail_quote``, Outlook's ``divRplyFwdMsg``,
Thunderbird's ``moz-cite-prefix``, any ``blockquote``...).
"""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

MAX_HTML_CHARS = 2_000_000

_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "thead", "tfoot", "tr", "ul",
}  # fmt: skip
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml", "object", "svg"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"}
_QUOTE_CLASSES = (
    "gmail_quote", "yahoo_quoted", "moz-cite-prefix", "ms-outlook-mobile-reference-message",
    "protonmail_quote", "zmail_extra", "x_gmail_quote", "oldmsg",
)  # fmt: skip
_QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "stopspelling", "isforwardcontent", "mail-reply")
_OUTLOOK_RULE = re.compile(r"border-top:\s*solid\s*#(?:b5c4df|e1e1e1)", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\u00a0\u200b]+")

QUOTE_MARK = "\x00"  # never survives in text: NULs are stripped from all output


class _Renderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.quote_marked = False
        self.lists: list[list[int]] = []  # counters of open <ol> (None-equivalent: -1)

    def _newline(self, count: int = 1) -> None:
        # Collapse to at most ``count`` line breaks at the end of the output.
        tail = "".join(self.out[-3:])
        have = len(tail) - len(tail.rstrip("\n"))
        if not self.out or have >= count:
            return
        self.out.append("\n" * (count - have))

    def _maybe_quote(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.quote_marked:
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        classes = a.get("class", "").lower()
        ident = a.get("id", "").lower()
        style = a.get("style", "")
        if (
            tag == "blockquote"
            or any(c in classes for c in _QUOTE_CLASSES)
            or any(ident.startswith((i, "x_" + i)) for i in _QUOTE_IDS)
            or (tag == "hr" and "stopspelling" in ident)
            or (tag == "div" and _OUTLOOK_RULE.search(style) is not None)
        ):
            self.quote_marked = True
            self._newline()
            self.out.append(QUOTE_MARK)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        self._maybe_quote(tag, attrs)
        if tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self._newline()
            self.out.append("---\n")
        elif tag == "pre":
            self.pre += 1
            self._newline(2)
        elif tag in ("ol", "ul"):
            self.lists.append([0 if tag == "ol" else -1])
            self._newline()
        elif tag == "li":
            self._newline()
            if self.lists and self.lists[-1][0] >= 0:
                self.lists[-1][0] += 1
                self.out.append(f"{self.lists[-1][0]}. ")
            else:
                self.out.append("- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "img":
            alt = next((v for k, v in attrs if k.lower() == "alt" and v), "")
            if alt and alt.strip():
                self.out.append(f"[{alt.strip()}]")
        elif tag in _PARAGRAPH:
            self._newline(2)
        elif tag in _BLOCK:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() in _VOID:
            self.handle_starttag(tag, attrs)
        else:
            self.handle_starttag(tag, attrs)
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        tag = tag.lower()
        if tag in _SKIP:
            if tag not in _VOID and self.skip:
                self.skip -= 1
            return
        if self.skip:
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._newline(2)
        elif tag in ("ol", "ul"):
            if self.lists:
                self.lists.pop()
            self._newline(2 if not self.lists else 1)
        elif tag in _PARAGRAPH:
            self._newline(2)
        elif tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.pre:
            self.out.append(data.replace("\r\n", "\n"))
            return
        text = _SPACES.sub(" ", data)
        tail = self.out[-1] if self.out else "\n"
        if text.startswith(" ") and (tail.endswith((" ", "\n")) or tail == QUOTE_MARK):
            text = text.lstrip(" ")
        if text:
            self.out.append(text)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    blank = 0
    for line in lines:
        line = line.lstrip(" ") if not line.startswith("    ") else line
        if not line.strip():
            blank += 1
            continue
        if out and blank:
            out.append("")
        blank = 0
        out.append(line)
    return "\n".join(out).strip("\n")


def html_to_text_with_quote(html: str) -> tuple[str, str | None]:
    """Render HTML as text; also return the text before the first quote wrapper.

    The second value is None when the HTML has no recognisable quote wrapper.
    Never raises.
    """
    renderer = _Renderer()
    # HTMLParser is lenient, but a renderer must never fail: keep what it produced.
    with contextlib.suppress(Exception):
        renderer.feed(html[:MAX_HTML_CHARS])
        renderer.close()
    raw = "".join(renderer.out)
    before: str | None = None
    if QUOTE_MARK in raw:
        before = _tidy(raw.split(QUOTE_MARK, 1)[0])
    return _tidy(raw.replace(QUOTE_MARK, "\n")), before


def html_to_text(html: str) -> str:
    """A readable plain-text rendering of ``html``; never raises."""
    return html_to_text_with_quote(html)[0]
