"""Article Markdown to HTML, once, when an article is saved: markdown-it-py (CommonMark
with tables and strikethrough), raw HTML off, then nh3 (ammonia) with an allow-list.

Pure: no models. The stored HTML is what every page shows; nothing renders on view.
"""

from __future__ import annotations

import html
import re

import nh3
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

#: The largest article body, per language, in bytes of UTF-8.
MAX_ARTICLE_BYTES = 256 * 1024

# Raw HTML in the source is shown as text ("html": False): an article is Markdown,
# and the sanitiser below is the second wall, not the only one.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MARKDOWN.enable(["table", "strikethrough"])

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_BLOCK = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|pre|blockquote|table|thead|tbody|tr|td|th|hr|br)\b[^>]*>"
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"[ \t]*\n[ \t\n]*")


def check_size(body: str) -> None:
    """ValidationError, in words for the author, when the body is over MAX_ARTICLE_BYTES."""
    size = len(body.encode("utf-8"))
    if size > MAX_ARTICLE_BYTES:
        raise ValidationError(
            _(
                "The article is %(size)s; an article may be at most %(limit)s. "
                "Split it into several articles or attach the long parts as files."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(MAX_ARTICLE_BYTES)},
            code="too_large",
        )


def render_markdown(body: str) -> str:
    """Safe HTML for the body: no scripts, frames, styles, event handlers or forms;
    links only to http(s), mailto, tel and this site; images only from this site."""
    return sanitize(_MARKDOWN.render(body))


def sanitize(markup: str) -> str:
    return nh3.clean(
        markup,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_filter_attribute,
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        # Only the article's own files (relative to this site): a remote image would
        # tell a third party who read the article, and the CSP would block it anyway.
        stripped = value.strip()
        if not stripped.startswith("/") or stripped.startswith("//"):
            return None
    return value


def plain_text(markup: str) -> str:
    """The words of rendered HTML, for the search index and for replies."""
    text = html.unescape(_TAG.sub("", _BLOCK.sub("\n", markup)))
    return _SPACE.sub("\n", re.sub(r"[ \t]+", " ", text)).strip()
