"""Danish text analysis shared by related teasers and search: words, stopwords, stems, compounds.

Everything here depends on the text alone (never on the corpus), so the same text always gives
the same terms: related lists and a search index built on these functions agree with each
other and do not drift as articles come and go.

- `words`: NFC, lowercase runs of letters (æ/ø/å kept), at least two letters.
- `stopwords`: the `stop-words` package's Danish list, in the same normal form.
- `stem`: the Snowball Danish stemmer ("boligforeningerne" → "boligforening").
- `compound_parts`: Danish compounds split into known parts ("boligforeningerne" →
  ["bolig", "forening"]), so an article about "foreningslivet" meets one about "foreninger".
- `terms`/`term_counts`: the stems of a text plus the stems of its compounds' parts, the
  parts at a reduced weight (`PART_WEIGHT`): the whole word stays the stronger evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from html.parser import HTMLParser

import snowballstemmer
from stop_words import get_stop_words

from newsdesk.normal_form import nfc

# Runs of letters (any script, so æ, ø and å stay inside words); digits and "_" split words.
_WORD = re.compile(r"[^\W\d_]+")
_MIN_LENGTH = 2
# Longer runs of letters are no words (long Danish compounds have 20-35 letters): they are
# skipped, so a hostile run of letters costs nothing downstream and every term fits a key
# (a posting's partition key) and a profile item many times over.
MAX_WORD_LENGTH = 64
# A compound part is at least this long ("by" is the one shorter part the lexicon has).
_MIN_PART = 2
# Inflection endings tried on a part the stemmer leaves whole ("stien" → "sti").
_ENDINGS = ("erne", "ene", "en", "et", "er", "ne", "n", "r")
# How much a compound's part counts next to a whole word (1.0).
PART_WEIGHT = 0.5
# Linking letters between the parts of a Danish compound: "forening-s-liv", "børn-e-have".
_LINKS = ("s", "e")
_VOWELS = frozenset("aeiouyæøå")

# Common Danish words that make up compounds (general vocabulary of a local magazine's
# subjects: housing, community, culture, sport, traffic, nature, business, schools, care).
# A compound is split only when every part is one of these (or splits into them itself).
_LEXICON = """
    afdeling affald aften akademi alder altan ansat arbejde areal arena arkiv arrangement
    aktivitet avis bad bager bane barn beboer bedst bestyrelse besøg bibliotek bil billet
    bistand blok blomst bog bold bolig borger brand bro brød budget bund bus butik by
    børn bygning byråd café center cykel dag dans data del digital drift dyr ejendom ejer elev
    energi eng erhverv familie fest festival film fitness fod fodbold forening forstad fri
    frivillig fritid fugl fælles fællesskab følelse forælder gade generation genbrug grund grøn
    gymnastik
    gård hal hand handel have havn hjem hjælp hold hospital hus hverdag håndbold idræt
    iværksætter job jord jul kaffe kamp kant klasse klima klub kommune koncert kontor kor
    kort krig kultur kunst kvarter kirke køkken land landsby leder leg leje lejer lejlighed
    liga liv lokal lys lærer læge løb lån mad marked mester miljø minde motion museum musik
    møde nabo natur net nyhed område ophold opgang parkering park pensionist penge plads plan
    plante pleje politi politik pris projekt rabat regn renovering rente restaurant rum salg
    sal samarbejde samling sang senior skat skov skole skab slot sogn sport sprog stadion
    station sti strand sundhed svømning sø tag teater teknologi tilbud tog torv trafik træ
    træner trivsel tryghed turnering udstilling udvikling ung ungdom undervisning uge vand
    varme vej vejr venskab vindue vinter værksted vækst weekend år ældre æble
    """
COMPOUND_LEXICON = frozenset(_LEXICON.split())
# The longest text `_known` can accept: a lexicon word plus what the stemmer and `_ENDINGS`
# strip (Snowball Danish removes at most a 7-letter ending, a 4-letter suffix and 3 single
# letters). Longer tails are not tried, so splitting a word is linear in its length.
_MAX_PART = max(map(len, COMPOUND_LEXICON)) + 16
# How a known part begins: stemming and endings never touch a word's first letters, so a
# text that begins otherwise is not stemmed at all (most cuts of a long word end here).
_PART_STARTS = frozenset(word[:_MIN_PART] for word in COMPOUND_LEXICON)


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
    """NFC-normalised, lowercased words of `text` (letters only, æ/ø/å kept, 2-64 letters)."""
    for match in _WORD.finditer(nfc(text).lower()):
        word = match.group()
        if _MIN_LENGTH <= len(word) <= MAX_WORD_LENGTH:
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
    # Danish drops the e of -el/-er/-en before an ending ("cykel", "cykler", "cykle"): the
    # stemmer keeps it in some forms only, so it is dropped everywhere ("cykl").
    if len(result) >= 5 and result[-2:] in {"el", "er", "en"} and result[-3] not in _VOWELS:
        result = result[:-2] + result[-1]
    return result


@cache
def _lexicon_stems() -> dict[str, str]:
    """Stem → lexicon word, so inflected parts ("foreninger") find their entry."""
    return {stem(word): word for word in sorted(COMPOUND_LEXICON)}


def _known(part: str) -> str | None:
    """The lexicon word `part` is (as written, by its stem, or inflected), else None."""
    if len(part) < _MIN_PART or part[:_MIN_PART] not in _PART_STARTS:
        return None
    if part in COMPOUND_LEXICON:
        return part
    found = _lexicon_stems().get(stem(part))
    if found is not None:
        return found
    for ending in _ENDINGS:
        if part.endswith(ending) and part[: -len(ending)] in COMPOUND_LEXICON:
            return part[: -len(ending)]
    return None


@lru_cache(maxsize=1 << 16)
def compound_parts(word: str) -> tuple[str, ...]:
    """The lexicon parts of a Danish compound, left to right; () if `word` is not one.

    The longest known last part wins; what precedes it (minus a linking "s" or "e") must be
    a known word or split itself, so "boligforeningsbestyrelsen" gives
    ("bolig", "forening", "bestyrelse") and ordinary words stay whole. A word that is itself
    in the lexicon ("fællesskabet") is not split, nor is one longer than any word.
    """
    if len(word) > MAX_WORD_LENGTH or _known(word) is not None:
        return ()
    for cut in range(max(_MIN_PART, len(word) - _MAX_PART), len(word) - _MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        last = _known(tail)
        if last is None:
            continue
        for candidate in (head, *(head[: -len(s)] for s in _LINKS if head.endswith(s))):
            first = _known(candidate)
            if first is not None:
                return (first, last)
            inner = compound_parts(candidate) if len(candidate) >= 2 * _MIN_PART else ()
            if inner:
                return (*inner, last)
    return ()


def stems(text: str) -> list[str]:
    """Snowball Danish stems of the non-stopwords of `text`, in order (no compound parts)."""
    stop = stopwords()
    kept = (stem(word) for word in words(text) if word not in stop)
    return [s for s in kept if len(s) >= _MIN_LENGTH]


def terms(text: str) -> Iterator[tuple[str, float]]:
    """(term, weight) of `text`: each non-stopword's stem (1.0), then its compound parts' stems.

    Parts that equal the whole word's stem are not repeated; each part counts `PART_WEIGHT`.
    """
    stop = stopwords()
    for word in words(text):
        if word in stop:
            continue
        whole = stem(word)
        if len(whole) >= _MIN_LENGTH:
            yield whole, 1.0
        for part in compound_parts(word):
            part_stem = stem(part)
            if part_stem != whole:
                yield part_stem, PART_WEIGHT


def term_counts(fields: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Field-boosted term counts: each (text, boost) adds boost × term weight per occurrence."""
    counts: dict[str, float] = {}
    for text, boost in fields:
        for term, weight in terms(text):
            counts[term] = counts.get(term, 0.0) + boost * weight
    return counts


def stem_counts(fields: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Field-boosted stem counts without compound parts (plain TF-IDF, the baseline)."""
    counts: dict[str, float] = {}
    for text, boost in fields:
        for s in stems(text):
            counts[s] = counts.get(s, 0.0) + boost
    return counts
