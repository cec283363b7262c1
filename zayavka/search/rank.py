"""One ranking for both back ends: BM25F over the stored terms, computed in Python.

SQLite's bm25() and PostgreSQL's ts_rank() weigh the same matches differently, so the
two back ends would often disagree on the best answer. Instead each back end only
finds each term's documents, and the index (index.py) and this module score them from
what both hold alike: each candidate's stored terms, how many documents
hold each query term (document frequency) and the documents' average field lengths.
Given the same candidates, both back ends give the same scores and the same order.

BM25F: a term's frequency in a document is the sum over fields of the field weight times
its count there, each field's count normalised by the field's length against the
average (b); the frequency saturates (k1) and is weighed by the term's rarity (idf).
A query term matches a stored term equal to one of its alternatives (normalize.py),
or starting with one when it is the last term being typed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Collection:
    """What the ranking knows of the whole index: its size, its fields' average lengths
    (in terms), and each query group's document frequency."""

    documents: int
    average_lengths: Sequence[float]
    frequencies: Sequence[int]


def score(
    groups: Sequence[Sequence[str]],
    prefix: bool,
    fields: Sequence[str],
    weights: Sequence[float],
    collection: Collection,
) -> float:
    """A document's score for the query groups; `fields` are its stored terms, each
    field's terms space-separated."""
    total = 0.0
    split = [field.split() for field in fields]
    last = len(groups) - 1
    for index, group in enumerate(groups):
        as_prefix = prefix and index == last
        frequency = 0.0
        for terms, weight, average in zip(split, weights, collection.average_lengths, strict=True):
            if not terms:
                continue
            count = sum(1 for term in terms if _matches(term, group, as_prefix))
            if count:
                norm = 1 - B + B * (len(terms) / average if average > 0 else 1.0)
                frequency += weight * count / norm
        if frequency:
            weight = idf(collection.documents, collection.frequencies[index])
            total += weight * frequency * (K1 + 1) / (frequency + K1)
    return round(total, 9)


def idf(documents: int, frequency: int) -> float:
    """How rare a term is: BM25's inverse document frequency (never negative)."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def rank(
    stored: Mapping[int, Sequence[str]],
    groups: Sequence[Sequence[str]],
    prefix: bool,
    weights: Sequence[float],
    collection: Collection,
    limit: int,
) -> list[tuple[int, float]]:
    """The candidates best first, (key, score); ties to the lower key."""
    scored = [
        (key, score(groups, prefix, fields, weights, collection)) for key, fields in stored.items()
    ]
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]


def _matches(term: str, group: Sequence[str], as_prefix: bool) -> bool:
    if as_prefix:
        return any(term.startswith(alternative) for alternative in group)
    return term in group
