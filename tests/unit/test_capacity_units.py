"""The capacity benchmark's read units follow DynamoDB's item-size rules (docs/operations.md,
"Capacity model"): UTF-8 bytes of names and values, a Query's bytes summed and rounded up
to 4 KB, half a unit per 4 KB at eventual consistency."""

from __future__ import annotations

from infra.bench.capacity import TEASER_PROJECTION, item_size, read_units, value_size


def test_strings_count_utf8_bytes_and_names_count_too() -> None:
    assert value_size({"S": "Ærø"}) == 5
    assert item_size({"title": {"S": "Ærø"}}) == len("title") + 5


def test_numbers_count_two_significant_digits_per_byte() -> None:
    assert value_size({"N": "7"}) == 2
    assert value_size({"N": "1200"}) == 2  # trailing zeros are not stored
    assert value_size({"N": "-123.45"}) == 4


def test_lists_and_maps_add_their_overhead_and_one_byte_per_element() -> None:
    author = {"M": {"name": {"S": "Asta"}, "slug": {"S": "asta"}}}
    assert value_size(author) == 3 + (1 + 4 + 4) + (1 + 4 + 4)
    assert value_size({"L": [{"S": "a"}, {"BOOL": True}]}) == 3 + (1 + 1) + (1 + 1)
    assert value_size({"SS": ["ab", "c"]}) == 3


def test_a_query_is_rounded_up_to_4_kb_once_for_all_its_items() -> None:
    assert read_units([]) == 0.5  # an empty Query still costs its minimum
    assert read_units([4096]) == 0.5
    assert read_units([4000, 97]) == 1.0
    assert read_units([100] * 12) == 0.5


def test_the_teaser_projection_leaves_the_body_out() -> None:
    item = {"PK": {"S": "A#x"}, "title": {"S": "T"}, "body_html": {"S": "<p>" + "x" * 5000}}
    assert item_size(item, TEASER_PROJECTION) == item_size(item) - len("body_html") - 5003
