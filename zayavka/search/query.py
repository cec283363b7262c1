"""User text to a back end's full-text query: an FTS5 MATCH string or a tsquery.

Nothing of the user's text reaches the back end's query language: the text becomes
terms (normalize.py), which hold only letters, digits and the joiners `- _ . : /`, and
each term is quoted («"e-02"» for FTS5, «'e-02'» for tsquery). So quotes, `*`, `NEAR`,
`-`, `:`, `AND/OR/NOT` and parentheses in a query are words or nothing, never syntax,
and a query of 10,000 characters is its first MAX_QUERY_CHARS, at most MAX_QUERY_TERMS
terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from zayavka.search.normalize import Normaliser, normaliser

# A last term shorter than this is matched whole, not as a prefix: «п*» would read the
# postings of every term that starts with «п».
MIN_PREFIX_CHARS = 3

Match = Literal["all", "any"]


@dataclass(frozen=True)
class Query:
    """A query's terms, each a group of alternatives (the term first); `prefix` when
    the last group also matches as a prefix."""

    groups: tuple[tuple[str, ...], ...]
    prefix: bool = False
    match: Match = "all"

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(group[0] for group in self.groups)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def fts5(self) -> str:
        """The FTS5 MATCH expression (every term, or any with match="any")."""
        return self._join('"{}"', "{}*", " OR ", " AND " if self.match == "all" else " OR ")

    def tsquery(self, weight: str = "") -> str:
        """The tsquery literal (cast with `::tsquery`, never parsed by a configuration,
        so that a term is looked up exactly as the normaliser wrote it); with `weight`
        (A–D), only where the term is in fields of that weight."""
        between = " & " if self.match == "all" else " | "
        return self._join("'{}'", "{}:*", " | ", between, weight)

    def _join(self, quote: str, prefixed: str, either: str, between: str, weight: str = "") -> str:
        parts = []
        for index, group in enumerate(self.groups):
            words = [quote.format(term) for term in group]
            if self.prefix and index == len(self.groups) - 1:
                words = [prefixed.format(word) + weight for word in words]
            elif weight:
                words = [f"{word}:{weight}" for word in words]
            parts.append(words[0] if len(words) == 1 else f"({either.join(words)})")
        return between.join(parts)


def build(
    text: str, *, prefix: bool = False, match: Match = "all", using: Normaliser | None = None
) -> Query:
    """The query for what a user typed. With `prefix`, the last term also matches longer
    words when the text ends inside that word (the user is still typing it) and the
    term has at least MIN_PREFIX_CHARS characters."""
    groups, typing = (using or normaliser()).query_typed(text)
    last_typed = prefix and typing and len(groups[-1][0]) >= MIN_PREFIX_CHARS
    return Query(tuple(groups), prefix=last_typed, match=match)
