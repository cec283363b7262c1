"""The text normaliser every search of the desk shares: text in, search terms out.

The same function turns a document and a query into terms, so that whatever the back
end (SQLite FTS5 or PostgreSQL), a query finds exactly the documents whose terms it
names. Steps, in order:

1. Only the first `MAX_DOCUMENT_CHARS` of a text are read (`MAX_QUERY_CHARS` of a
   query), so the work is bounded whatever arrives; tokenising is one linear regex pass.
2. Unicode NFKC (full-width letters, ligatures), case folding, «ё» read as «е».
3. Tokens: runs of letters and digits, joined into one token over single `- _ . : /`
   between them, so that codes stay whole: `0x800CCC0F`, `E-02`, `5.7.1`,
   `ERR_CONNECTION_REFUSED`, `1С:Предприятие`, `8.3`. A joined token is indexed whole
   *and* as its parts («предприятие» alone finds «1С:Предприятие»); a query names it
   whole, which is precise (`E-02` does not find «ошибка 02»).
4. Mixed scripts: a word mixing Cyrillic and Latin look-alike letters («Outlооk» with
   Cyrillic «о», «пpинтep» with Latin «p») is read in the script of its majority; a word
   of digits and look-alike letters is read in Latin («1С» and «1C» are one term).
5. Stop words (function words) are dropped: Russian ones are the `stopwords` package's
   Russian list kept to the words pymorphy3 tags as function words (prepositions,
   conjunctions, particles, interjections, pronouns) — the list also holds content words
   such as «время», «год», «нет», which a desk's requests need; English ones are that
   package's English list (Snowball's).
6. Words are stemmed with the Snowball stemmers (PyStemmer): Russian for Cyrillic words,
   English for Latin ones. A word with digits, a code, a word of another script is kept
   as it is. Why stems and not pymorphy3's lemmas: bench/README.md, «Text normaliser».

Terms contain only letters, digits and the joiners `- _ . : /`: never a quote, a space
or an operator of any query language, so they are safe to quote in FTS5 and tsquery.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pymorphy3
import Stemmer
import stopwords

MAX_DOCUMENT_CHARS = 1_000_000
MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 12
# Longer tokens (a base64 blob, a hash) are cut: still findable by their start.
MAX_TERM_CHARS = 64
# A code's parts shorter than this are not indexed on their own («e» of «E-02»).
MIN_PART_CHARS = 2

JOINERS = "-_.:/"
_TOKEN = re.compile(r"[^\W_]+(?:[-_.:/][^\W_]+)*")
_PARTS = re.compile(r"[-_.:/]")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_DIGIT = re.compile(r"\d")

# Lower-case letters that look alike in Cyrillic and Latin (after case folding; «в»,
# «н», «м», «т» look like B, H, M, T in capitals).
_CYR_TO_LAT = dict(zip("асеорхуквнмт", "aceopxykbhmt", strict=True))
_LAT_TO_CYR = {lat: cyr for cyr, lat in _CYR_TO_LAT.items()}
_CYR_TABLE = str.maketrans(_CYR_TO_LAT)
_LAT_TABLE = str.maketrans(_LAT_TO_CYR)

_FUNCTION_WORDS = {"PREP", "CONJ", "PRCL", "INTJ", "NPRO"}


@functools.cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@functools.cache
def stop_words() -> frozenset[str]:
    """Russian and English function words, «ё» as «е» (computed once per process)."""
    morph = _morph()
    russian = {
        word
        for word in stopwords.get_stopwords("russian")
        if (tag := morph.parse(word)[0].tag).POS in _FUNCTION_WORDS or "Apro" in tag
    }
    english = {w.replace("'", "") for w in stopwords.get_stopwords("english")}
    english |= set(stopwords.get_stopwords("english"))
    return frozenset(w.casefold().replace("ё", "е") for w in russian | english)


def fold_scripts(word: str) -> str:
    """A word mixing Cyrillic and Latin look-alikes, in one script (see step 4)."""
    cyrillic = _CYRILLIC.findall(word)
    latin = _LATIN.findall(word)
    if cyrillic and latin:
        cyr_ok = all(c in _CYR_TO_LAT for c in cyrillic)
        lat_ok = all(c in _LAT_TO_CYR for c in latin)
        if cyr_ok and (len(cyrillic) <= len(latin) or not lat_ok):
            return word.translate(_CYR_TABLE)
        if lat_ok:
            return word.translate(_LAT_TABLE)
        return word
    if cyrillic and _DIGIT.search(word) and all(c in _CYR_TO_LAT for c in cyrillic):
        return word.translate(_CYR_TABLE)
    return word


@dataclass(frozen=True)
class Morphology:
    """How a plain word becomes a term: its stem (or lemma) in Russian and English."""

    name: str
    russian: Callable[[str], str]
    english: Callable[[str], str]


@functools.cache
def snowball() -> Morphology:
    russian = Stemmer.Stemmer("russian", 100_000)
    english = Stemmer.Stemmer("english", 100_000)
    return Morphology("snowball", russian.stemWord, english.stemWord)


def _prepare(text: str, limit: int) -> str:
    return unicodedata.normalize("NFKC", text[:limit]).casefold().replace("ё", "е")


class Normaliser:
    """Text to terms. `NORMALISER` (Snowball stems) is the one the desk uses; the bench
    builds others to compare."""

    def __init__(self, morphology: Morphology) -> None:
        self.morphology = morphology
        self.stop = stop_words()

    def word(self, word: str) -> str | None:
        """A plain token's term; None for a stop word."""
        word = fold_scripts(word)[:MAX_TERM_CHARS]
        if word in self.stop:
            return None
        if _DIGIT.search(word):
            return word
        if _CYRILLIC.match(word) and not _LATIN.search(word):
            return self.morphology.russian(word)
        if _LATIN.match(word) and word.isascii():
            return self.morphology.english(word)
        return word

    def code(self, token: str) -> str:
        """A joined token's whole term: each part in one script, not stemmed."""
        parts = _PARTS.split(token)
        separators = _PARTS.findall(token)
        folded = [fold_scripts(p) for p in parts]
        out = folded[0] + "".join(s + p for s, p in zip(separators, folded[1:], strict=True))
        return out[:MAX_TERM_CHARS]

    def tokens(self, text: str, limit: int) -> Iterator[tuple[str, bool]]:
        """(token, joined) for each token of the prepared text."""
        for match in _TOKEN.finditer(_prepare(text, limit)):
            token = match.group()
            yield token, any(j in token for j in JOINERS)

    def document(self, text: str) -> list[str]:
        """The terms to index for a text, in order; codes whole, then their parts."""
        terms: list[str] = []
        for token, joined in self.tokens(text, MAX_DOCUMENT_CHARS):
            if not joined:
                term = self.word(token)
                if term:
                    terms.append(term)
                continue
            terms.append(self.code(token))
            for part in _PARTS.split(token):
                if len(part) >= MIN_PART_CHARS:
                    term = self.word(part)
                    if term:
                        terms.append(term)
        return terms

    def query(self, text: str) -> list[str]:
        """The terms a query asks for: each token once (codes whole), stop words out,
        at most MAX_QUERY_TERMS."""
        return [group[0] for group in self.query_typed(text)[0]]

    def query_typed(self, text: str) -> tuple[list[tuple[str, ...]], bool]:
        """The query's terms, each with its alternatives (see `alternatives`), and
        whether the last one is the word being typed: the text ends inside it (no space
        or punctuation after it), so that it may be matched as a prefix."""
        groups: list[tuple[str, ...]] = []
        last_term = None
        for token, joined in self.tokens(text, MAX_QUERY_CHARS):
            last_term = self.code(token) if joined else self.word(token)
            new = last_term and all(last_term != g[0] for g in groups)
            if new and last_term and len(groups) < MAX_QUERY_TERMS:
                groups.append(self.alternatives(last_term))
        head = text[:MAX_QUERY_CHARS]
        typing = bool(groups) and last_term == groups[-1][0] and head[-1:].isalnum()
        return groups, typing

    def alternatives(self, term: str) -> tuple[str, ...]:
        """A query term and the stem of its stem when that differs: the stemmer cuts a
        Russian surname's forms differently («Волкова» → «волков», «Волков» → «волк»);
        stemming again brings them together."""
        if _CYRILLIC.match(term) and not _DIGIT.search(term) and not _LATIN.search(term):
            again = self.morphology.russian(term)
            if again != term and len(again) >= 3:
                return (term, again)
        return (term,)


@functools.cache
def normaliser() -> Normaliser:
    """The desk's normaliser (Snowball stems); built once per process."""
    return Normaliser(snowball())


def document_terms(text: str) -> list[str]:
    """The terms the desk indexes for `text`."""
    return normaliser().document(text)


def query_terms(text: str) -> list[str]:
    """The terms the desk searches for when asked `text`."""
    return normaliser().query(text)
