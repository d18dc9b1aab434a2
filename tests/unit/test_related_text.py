"""Danish text analysis shared by related teasers and search (pure functions)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from newsdesk.logic.related.text import (
    COMPOUND_LEXICON,
    PART_WEIGHT,
    compound_parts,
    html_to_text,
    stem,
    stems,
    stopwords,
    term_counts,
    terms,
    words,
)

DANISH_TEXT = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzæøåÆØÅéü -.,!?\n0123456789")),
    max_size=200,
)


def test_words_are_nfc_lowercase_and_keep_danish_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Åen løber FORBI Ærø")
    assert decomposed != "Åen løber FORBI Ærø"
    assert list(words(decomposed)) == ["åen", "løber", "forbi", "ærø"]
    assert list(words("S-tog 2026: i_dag")) == ["tog", "dag"]


def test_stopwords_come_from_the_package_and_are_removed() -> None:
    assert {"og", "at", "det", "som", "på", "også"} <= stopwords()
    assert stems("Og det er fællesskabet i gården, som bærer") == ["fællesskab", "gård", "bær"]


def test_snowball_danish_stems_join_inflections() -> None:
    assert len({*stems("boligforening boligforeninger boligforeningerne")}) == 1
    assert stems("Fællesskaber")[0] == stems("fællesskab")[0]


def test_html_to_text_keeps_words_apart_and_decodes_entities() -> None:
    html = "<h2>Grønne&nbsp;områder</h2><p>Mødested<br>for <em>alle</em> &amp; enhver</p>"
    assert html_to_text(html) == "Grønne områder Mødested for alle & enhver"


@given(DANISH_TEXT)
def test_words_are_always_normalised_letters(text: str) -> None:
    for word in words(text):
        assert word == unicodedata.normalize("NFC", word).lower()
        assert word.isalpha() and len(word) >= 2


@given(DANISH_TEXT)
def test_stems_never_contain_stopwords_or_fragments(text: str) -> None:
    for found in stems(text):
        assert len(found) >= 2 and found.isalpha()


def test_compounds_split_into_known_parts() -> None:
    assert compound_parts("boligforeningerne") == ("bolig", "forening")
    assert compound_parts("boligforeningsbestyrelsen") == ("bolig", "forening", "bestyrelse")
    assert compound_parts("idrætsforeningen") == ("idræt", "forening")
    assert compound_parts("børnehaven") == ("børn", "have")
    assert compound_parts("cykelstien") == ("cykel", "sti")
    assert compound_parts("landsbyliv") == ("landsby", "liv")
    # Lexicon words themselves, and words without known parts, stay whole.
    assert compound_parts("fællesskabet") == ()
    assert compound_parts("universitet") == ()
    assert compound_parts("ballerup") == ()


def test_terms_add_compound_parts_at_a_reduced_weight() -> None:
    found = list(terms("Boligforeningerne og foreningslivet"))
    assert found[0] == (stem("boligforeningerne"), 1.0)
    assert (stem("forening"), PART_WEIGHT) in found
    assert (stem("bolig"), PART_WEIGHT) in found
    counts = term_counts([("foreningslivet", 2.0), ("forening", 1.0)])
    assert counts[stem("forening")] == 2.0 * PART_WEIGHT + 1.0
    # So an article about "foreningslivet" and one about "foreninger" share a term.
    assert set(dict(terms("foreningslivet"))) & set(dict(terms("foreninger")))


def test_stems_drop_the_e_of_el_er_en_endings() -> None:
    assert stem("cykel") == stem("cykler") == stem("cykle")


@given(DANISH_TEXT)
def test_compound_parts_are_lexicon_words_that_spell_the_word(text: str) -> None:
    for word in words(text):
        parts = compound_parts(word)
        assert all(p in COMPOUND_LEXICON for p in parts)
        assert len(parts) != 1
