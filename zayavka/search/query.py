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
    """A query's terms; `prefix` when the last one also matches as a prefix."""

    terms: tuple[str, ...]
    prefix: bool = False
    match: Match = "all"

    def __bool__(self) -> bool:
        return bool(self.terms)

    def fts5(self) -> str:
        """The FTS5 MATCH expression (every term, or any with match="any")."""
        parts = [f'"{term}"' for term in self.terms]
        if parts and self.prefix:
            parts[-1] += "*"
        return (" OR " if self.match == "any" else " ").join(parts)

    def tsquery(self) -> str:
        """The tsquery literal (cast with `::tsquery`, never parsed by a configuration,
        so that a term is looked up exactly as the normaliser wrote it)."""
        parts = [f"'{term}'" for term in self.terms]
        if parts and self.prefix:
            parts[-1] += ":*"
        return (" | " if self.match == "any" else " & ").join(parts)


def build(
    text: str, *, prefix: bool = False, match: Match = "all", using: Normaliser | None = None
) -> Query:
    """The query for what a user typed. With `prefix`, the last term also matches longer
    words when the text ends inside that word (the user is still typing it) and the
    term has at least MIN_PREFIX_CHARS characters."""
    terms, typing = (using or normaliser()).query_typed(text)
    last_typed = prefix and typing and len(terms[-1]) >= MIN_PREFIX_CHARS
    return Query(tuple(terms), prefix=last_typed, match=match)
