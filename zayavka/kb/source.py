"""Articles kept as files: `<slug>.<lang>.md`, a header block between `---` lines, then
the Markdown body. Pure parsing; `actions.importing` stores what this returns.

    ---
    title: Outlook: ошибка 0x800CCC0F при получении почты
    category: mail            # the knowledge base's category
    ticket_category: mail     # optional: the desk's ticket category
    visibility: public        # or internal
    tags: outlook, 0x800CCC0F
    ---
    Markdown body…
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from zayavka.kb.slugs import is_valid_slug

LANGUAGES = ("ru", "en")
_NAME = re.compile(r"^(?P<slug>[a-z0-9-]+)\.(?P<lang>[a-z]{2})\.md$")
# A comment starts with " #" (so that "C#" in a title stays).
_COMMENT = re.compile(r"\s+#(?:\s.*)?$")


class SourceError(ValueError):
    """An article file that cannot be read: the message names the file and the problem."""


@dataclass(frozen=True)
class ArticleSource:
    slug: str
    language: str
    title: str
    body: str
    category: str = ""
    ticket_category: str = ""
    visibility: str = "public"
    tags: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def parse_name(name: str) -> tuple[str, str]:
    """(slug, language) of a file name such as `outlook-0x800ccc0f.ru.md`."""
    match = _NAME.match(PurePath(name).name)
    if match is None or not is_valid_slug(match["slug"]) or match["lang"] not in LANGUAGES:
        raise SourceError(f"{name}: the name must be <slug>.<ru|en>.md")
    return match["slug"], match["lang"]


def parse_article(name: str, text: str) -> ArticleSource:
    """The article in file `name` with contents `text`; SourceError when the name, the
    header block or its title is missing or wrong."""
    slug, language = parse_name(name)
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise SourceError(f"{name}: the file must start with a --- header block")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration as exc:
        raise SourceError(f"{name}: the header block is not closed with ---") from exc
    header: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise SourceError(f"{name}:{number}: expected `key: value`")
        header[key.strip().lower()] = _COMMENT.sub("", value).strip()
    title = header.pop("title", "")
    if not title:
        raise SourceError(f"{name}: the header has no title")
    visibility = header.pop("visibility", "public").lower() or "public"
    if visibility not in {"public", "internal"}:
        raise SourceError(f"{name}: visibility must be public or internal")
    tags = tuple(t.strip() for t in header.pop("tags", "").split(",") if t.strip())
    return ArticleSource(
        slug=slug,
        language=language,
        title=title,
        body="\n".join(lines[end + 1 :]).strip("\n") + "\n",
        category=header.pop("category", "").lower(),
        ticket_category=header.pop("ticket_category", "").lower(),
        visibility=visibility,
        tags=tags,
        extra=header,
    )
