"""HTML from outside is shown only after this: nh3 (ammonia) with a strict allow-list.

The sanitiser's time grows with the square of the nesting depth (1.1 MB of nested
``<div>`` took 30 s), so HTML over ``MAX_HTML_CHARS`` or nested deeper than
``MAX_HTML_DEPTH`` is not sanitised at all: ``html_limits`` says why, in one linear
pass, and the channel keeps such a body as text (``strip_tags``) and the original as a
file. HTML is sanitised once, when it is stored, never when it is shown.
"""

from __future__ import annotations

import html as htmllib
import re

import nh3

MAX_HTML_CHARS = 1_000_000
MAX_HTML_DEPTH = 200

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "img",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def sanitize_html(html: str) -> str:
    """Markup safe to embed in our pages: no scripts, styles, handlers or foreign forms.

    Images may only point at attachments of the same message (cid:) or data URIs;
    remote images would tell the sender when and where an agent read the mail.
    """
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid", "data"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_filter_attribute,
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        lowered = value.strip().lower()
        if not (lowered.startswith(("cid:", "data:image/"))):
            return None
    if tag == "a" and attribute == "href" and value.strip().lower().startswith("data:"):
        return None
    return value


_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*?(/?)>")
# Elements that close by themselves (void, or implied by the next sibling): they do not
# deepen the tree however often they are left open.
_NO_DEPTH = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "option",
        "optgroup",
    ]
)
# An unclosed comment runs to the end (also what browsers do): one match, linear time.
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|tr|h[1-6]|table|ul|ol|blockquote|pre|hr|section|article)\b[^<>]*>",
    re.I,
)
_ANY_TAG = re.compile(r"<[^<>]*>")
_BLANKS = re.compile(r"[ \t\r\f\v\u00a0]+")
_LINES = re.compile(r"\n\s*\n+")


def html_limits(html: str) -> str:
    """Why ``html`` is too large or too deeply nested to sanitise or render in bounded
    time ("" when it is fine). One linear pass over the tags."""
    if len(html) > MAX_HTML_CHARS:
        return f"HTML larger than {MAX_HTML_CHARS} characters"
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(html):
        if name.lower() in _NO_DEPTH or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_HTML_DEPTH:
                    return f"HTML nested deeper than {MAX_HTML_DEPTH} elements"
    return ""


def strip_tags(html: str) -> str:
    """The text of HTML too large or deep for the renderer, in linear time: tags and
    comments dropped, entities decoded, blank runs collapsed. Plain text, never markup."""
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub("\n", _COMMENT.sub("", html)))
    text = _BLANKS.sub(" ", htmllib.unescape(text))
    return _LINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
