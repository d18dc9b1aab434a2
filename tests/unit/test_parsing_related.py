"""Front matter `related`: the editors' pinned related articles (up to four slugs)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from newsdesk.logic.publishing.parsing import ContentError, parse_article_source

RECEIVED = datetime(2026, 11, 20, 8, tzinfo=UTC)


def source(related: str) -> bytes:
    return (
        f"---\ntitle: Gårdfest\ncategory: Bolig\nauthor: Asta Petersen\n{related}\n---\nTekst.\n"
    ).encode()


def parse(related: str, key: str = "articles/gaardfest.md") -> tuple[str, ...]:
    parsed = parse_article_source(key, source(related), received_at=RECEIVED, words_per_minute=200)
    return parsed.pins


def test_pins_are_slugified_in_order_without_repeats() -> None:
    assert parse("related: [Når generationer mødes, fællesspisning, Fællesspisning]") == (
        "naar-generationer-moedes",
        "faellesspisning",
    )
    assert parse("related: inklusion-i-praksis, nye-tage") == ("inklusion-i-praksis", "nye-tage")
    assert parse("") == ()


@pytest.mark.parametrize(
    ("related", "field", "words"),
    [
        ("related: [a, b, c, d, e]", "related", "højst 4"),
        ("related: [gaardfest]", "related[0]", "sig selv"),
        ("related: ['!!!']", "related[0]", "bogstaver eller tal"),
        ("related: {a: b}", "related", "liste"),
    ],
)
def test_bad_pins_are_refused_with_the_field(related: str, field: str, words: str) -> None:
    with pytest.raises(ContentError) as error:
        parse(related)
    assert [e.field for e in error.value.errors] == [field]
    assert words in error.value.errors[0].message
