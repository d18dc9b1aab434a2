"""Every upload's report has a name S3 accepts, however long the upload's own key is."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from newsdesk.dal.publishing import MAX_S3_KEY_BYTES, report_bytes, report_key

# S3 keys are UTF-8 of at most 1,024 bytes; Danish letters take two bytes each.
KEYS = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)
    .map(lambda text: "articles/" + text)
    .filter(lambda key: len(key.encode("utf-8")) <= MAX_S3_KEY_BYTES)
)


def test_a_short_key_gets_its_report_beside_it_under_reports() -> None:
    assert report_key("articles/min artikel.md") == "reports/articles/min artikel.md.json"


@given(KEYS)
def test_every_report_name_fits_in_an_s3_key(key: str) -> None:
    name = report_key(key)
    assert len(name.encode("utf-8")) <= MAX_S3_KEY_BYTES
    assert name.startswith("reports/articles/")
    assert name.endswith(".json")


def test_keys_too_long_to_wrap_keep_their_start_and_stay_apart() -> None:
    first = "articles/" + "ø" * 505 + "-a.md"  # 1,024 bytes: the longest key S3 takes
    second = "articles/" + "ø" * 505 + "-b.md"

    names = report_key(first), report_key(second)

    assert names[0] != names[1]
    assert all(len(n.encode("utf-8")) <= MAX_S3_KEY_BYTES for n in names)
    assert all(n.startswith("reports/articles/øøø") for n in names)
    assert report_key(first) == names[0]  # the same upload always finds the same report


REPORT_FIELDS = ["key", "status", "slug", "errors", "warnings", "missing", "message"]


@given(st.permutations([*REPORT_FIELDS, "live_at", "preview_url", "processed_at"]))
def test_a_report_is_the_same_bytes_whatever_order_its_fields_were_kept_in(
    fields: list[str],
) -> None:
    """A duplicate event re-sends the report kept in the table (slug first, maps unordered)."""
    value = {"errors": [], "missing": [], "warnings": [{"message": "m", "field": "related[0]"}]}
    report = {name: value.get(name, name) for name in fields}
    written = json.loads(report_bytes(report))
    assert list(written) == [*REPORT_FIELDS, "live_at", "preview_url", "processed_at"]
    assert list(written["warnings"][0]) == ["field", "message"]
    assert report_bytes(report) == report_bytes(written)
