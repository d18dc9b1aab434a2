"""Hostile words in the related text analysis: bounded work and bounded terms.

A published body may hold one "word" of hundreds of thousands of letters, or thousands of
long made-up compounds. Splitting used to try every cut of a word and stem every tail
(quadratic in its length; a 340,000-letter word took hours), and such a word became a
posting key over DynamoDB's 2,048-byte limit. The work is counted in letters handed to the
stemmer, never timed.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator

import pytest
import snowballstemmer
from hypothesis import given, settings
from hypothesis import strategies as st
from newsdesk.logic.related import text
from newsdesk.logic.related.profile import MAX_BODY_CHARACTERS, analyse, posting_features
from newsdesk.related_records import TERM_PREFIX

from tests.factories import make_article

LEXICON = sorted(text.COMPOUND_LEXICON)


class CountingStemmer:
    """The real Snowball stemmer, counting the letters it is handed."""

    def __init__(self) -> None:
        self.real = snowballstemmer.stemmer("danish")
        self.letters = 0

    def stemWord(self, word: str) -> str:
        self.letters += len(word)
        result: str = self.real.stemWord(word)
        return result


@pytest.fixture
def stemmer(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingStemmer]:
    counting = CountingStemmer()
    monkeypatch.setattr(text, "_stemmer", lambda: counting)
    text.stem.cache_clear()
    text.compound_parts.cache_clear()
    yield counting
    text.stem.cache_clear()
    text.compound_parts.cache_clear()


def reference_parts(word: str) -> tuple[str, ...]:
    """The splitting rule without its bounds: every cut, every tail stemmed."""

    def known(part: str) -> str | None:
        if len(part) < 2:
            return None
        if part in text.COMPOUND_LEXICON:
            return part
        by_stem = {text.stem(w): w for w in LEXICON}.get(text.stem(part))
        if by_stem is not None:
            return by_stem
        for ending in ("erne", "ene", "en", "et", "er", "ne", "n", "r"):
            if part.endswith(ending) and part[: -len(ending)] in text.COMPOUND_LEXICON:
                return part[: -len(ending)]
        return None

    def split(word: str) -> tuple[str, ...]:
        if known(word) is not None:
            return ()
        for cut in range(2, len(word) - 1):
            head, tail = word[:cut], word[cut:]
            last = known(tail)
            if last is None:
                continue
            for candidate in (head, *(head[: -len(s)] for s in ("s", "e") if head.endswith(s))):
                first = known(candidate)
                if first is not None:
                    return (first, last)
                inner = split(candidate) if len(candidate) >= 4 else ()
                if inner:
                    return (*inner, last)
        return ()

    return split(word)


compounds = st.lists(
    st.tuples(
        st.sampled_from(LEXICON),
        st.sampled_from(["", "s", "e"]),
    ),
    min_size=1,
    max_size=5,
).map(lambda parts: "".join(word + link for word, link in parts))
endings = st.sampled_from(["", "en", "erne", "ens", "et", "ets", "er", "ernes", "ene", "s"])


@given(compounds, endings)
@settings(max_examples=300, deadline=None)
def test_bounded_splitting_splits_as_the_unbounded_rule(compound: str, ending: str) -> None:
    word = compound + ending
    assert text.compound_parts(word) == reference_parts(word)


@pytest.mark.parametrize("unit", ["a", "bolig", "by", "foreningsbestyrelse"])
def test_splitting_a_long_word_stems_a_bounded_number_of_letters(
    stemmer: CountingStemmer, unit: str
) -> None:
    for length in (16, 32, text.MAX_WORD_LENGTH):
        stemmer.letters = 0
        text.compound_parts((unit * length)[:length])
        # Each head tried (at most one per cut, with or without a link) stems at most one
        # tail of at most _MAX_PART letters per cut: linear in the word's length.
        assert stemmer.letters <= 3 * length * text._MAX_PART
    stemmer.letters = 0
    assert text.compound_parts(unit * 100_000) == ()
    assert stemmer.letters == 0


def test_words_longer_than_any_word_are_skipped() -> None:
    longest = "a" * text.MAX_WORD_LENGTH
    assert list(text.words(f"{longest} {longest}a bolig")) == [longest, "bolig"]
    assert list(text.words("ø" * 300_000)) == []


@given(st.text(alphabet=st.sampled_from("abæøåİ ẞß-"), max_size=3_000))
def test_every_term_is_at_most_the_longest_word(body: str) -> None:
    for term, _ in text.terms(body):
        assert 2 <= len(term) <= text.MAX_WORD_LENGTH


def test_a_body_of_one_huge_word_is_analysed_as_without_it(stemmer: CountingStemmer) -> None:
    """A valid 340 KB "word": the related handler's analysis does no work for it and no
    posting key (`RPOST#w:<term>`, at most 2,048 bytes) grows with it."""
    plain = make_article("kaempeord", body_html="<p>Fællesskab i boligforeningen.</p>")
    huge = plain.model_copy(
        update={"body_html": f"<p>Fællesskab i boligforeningen. {'bolig' * 68_000}</p>"}
    )
    stemmer.letters = 0
    profile = analyse(huge.model_dump())
    assert stemmer.letters < 1_000
    assert profile.terms == analyse(plain.model_dump()).terms
    longest = max(len(key.encode()) for key in posting_features(profile))
    assert longest <= len(TERM_PREFIX) + 4 * text.MAX_WORD_LENGTH


def test_only_the_first_characters_of_a_long_body_are_analysed(stemmer: CountingStemmer) -> None:
    """A valid 320 KB body of long made-up compounds costs what its first 50,000 characters
    cost: one stream batch of such articles stays bounded."""
    rng = random.Random(7)

    def compound() -> str:
        return "".join(rng.choice(LEXICON) + rng.choice(["", "s", "e"]) for _ in range(12))[:64]

    text_words = [compound() for _ in range(5_000)]
    full = " ".join(text_words)
    assert len(full) > 6 * MAX_BODY_CHARACTERS
    cut = full[:MAX_BODY_CHARACTERS]
    work = []
    profiles = []
    for body in (full, cut):
        text.stem.cache_clear()
        text.compound_parts.cache_clear()
        stemmer.letters = 0
        article = make_article("lang", body_html=f"<p>{body}</p>")
        profiles.append(analyse(article.model_dump()))
        work.append(stemmer.letters)
    assert profiles[0].terms == profiles[1].terms
    assert work[0] == work[1] > 0


marked_text = st.text(
    alphabet=st.sampled_from([*"aeøåAÆ æ\n-", "\u0301", "\u0316", "\u030a", "\u0327"]),
    max_size=400,
)


@given(marked_text)
def test_words_are_those_of_the_whole_text_in_nfc(text_: str) -> None:
    whole = unicodedata.normalize("NFC", text_).lower()
    expected = [w for w in text._WORD.findall(whole) if 2 <= len(w) <= text.MAX_WORD_LENGTH]
    assert list(text.words(text_)) == expected


def test_a_long_run_of_combining_marks_is_normalised_in_short_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NFC sorts combining marks by insertion: 80,000 marks in mixed order took 9 s in one
    call. Text that needs normalising is normalised a run of at most 1,000 at a time."""
    lengths: list[int] = []
    real = unicodedata.normalize

    def measured(form: str, value: str) -> str:
        lengths.append(len(value))
        return real(form, value)

    monkeypatch.setattr(unicodedata, "normalize", measured)
    hostile = "fællesskab a" + "\u0301" * 40_000 + "\u0316" * 40_000 + " bolig"
    assert list(text.words(hostile)) == ["fællesskab", "bolig"]
    assert lengths and max(lengths) <= 1_000
