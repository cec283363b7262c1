"""HTML from outside is shown only after this: nh3 (ammonia) with a strict allow-list."""

from __future__ import annotations

import nh3

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
