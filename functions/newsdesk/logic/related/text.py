"""Danish text analysis: plain text from HTML, NFC, lowercase, tokens, stopwords, Snowball stems."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from html.parser import HTMLParser

import snowballstemmer
from stop_words import get_stop_words

# Runs of letters (any script, so æ, ø and å stay inside words); digits and "_" split words.
_WORD = re.compile(r"[^\W\d_]+")
_MIN_LENGTH = 2


class _TextExtractor(HTMLParser):
    """Collects text nodes; block boundaries become spaces so words never glue together."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")


def html_to_text(html: str) -> str:
    """The visible text of sanitised article HTML."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return " ".join("".join(extractor.parts).split())


def words(text: str) -> Iterator[str]:
    """NFC-normalised, lowercased words of `text` (letters only, æ/ø/å kept)."""
    for match in _WORD.finditer(unicodedata.normalize("NFC", text).lower()):
        word = match.group()
        if len(word) >= _MIN_LENGTH:
            yield word


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("danish")


@cache
def stopwords() -> frozenset[str]:
    """Danish stopwords shipped by the `stop-words` package, in the same normal form as words."""
    return frozenset(w for word in get_stop_words("danish") for w in words(word))


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Snowball Danish stem of one normalised word (cached: vocabularies repeat a lot)."""
    result: str = _stemmer().stemWord(word)
    return result


def stems(text: str) -> list[str]:
    """Snowball Danish stems of the non-stopwords of `text`, in order."""
    stop = stopwords()
    kept = (stem(word) for word in words(text) if word not in stop)
    return [s for s in kept if len(s) >= _MIN_LENGTH]


def stem_counts(fields: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Field-boosted term counts: each (text, boost) adds `boost` per occurrence of a stem."""
    counts: dict[str, float] = {}
    for text, boost in fields:
        for stem in stems(text):
            counts[stem] = counts.get(stem, 0.0) + boost
    return counts
