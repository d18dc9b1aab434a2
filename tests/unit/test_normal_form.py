"""NFC for stored text, without the quadratic worst case of one long run of combining marks."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from newsdesk import normal_form
from newsdesk.logic.publishing.parsing import parse_article
from newsdesk.logic.related.text import words
from newsdesk.normal_form import nfc

MARKS = "\u0301\u0327\u0308\u030a"  # acute, cedilla, diaeresis, ring: mixed combining classes


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(MARKS), max_size=300))
def test_it_is_nfc_for_text_of_words(text: str) -> None:
    assert nfc(text) == unicodedata.normalize("NFC", text)


def test_decomposed_danish_letters_are_composed_and_spacing_is_kept() -> None:
    assert nfc("Bla\u030a  omra\u030ader\n") == "Blå  områder\n"


@pytest.fixture
def longest_normalised(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each text `unicodedata.normalize` is given (the work that is quadratic)."""
    lengths: list[int] = []
    real = unicodedata.normalize

    def recording(form: str, text: str) -> str:
        lengths.append(len(text))
        return real(form, text)

    monkeypatch.setattr(normal_form.unicodedata, "normalize", recording)
    return lengths


def test_a_long_run_of_marks_is_normalised_in_bounded_pieces(
    longest_normalised: list[int],
) -> None:
    text = "a" + MARKS * 50_000
    result = nfc(text)
    assert result.startswith("\u00e1")  # the letter took its acute; the other marks follow
    assert len(result) == len(text) - 1
    assert max(longest_normalised) <= 1_000


def test_a_body_of_combining_marks_is_published_in_bounded_pieces(
    longest_normalised: list[int],
) -> None:
    body = "Ra\u030adhuset " + "a" + MARKS * 40_000
    source = (
        "---\ntitle: Ra\u030adhuset\ncategory: Bolig\n"
        "published_at: 2026-12-01T10:00:00+01:00\nauthor: Anne\n---\n" + body
    ).encode()
    article = parse_article(
        "articles/raadhuset.md", source, received_at=datetime.now(UTC), words_per_minute=200
    )
    assert article.title == "Rådhuset"
    assert "Rådhuset" in article.body_html
    assert max(longest_normalised) <= 1_000
    assert "rådhuset" in set(words(article.title + " " + body))
