"""Pathological uploads (deep nesting, long runs, huge numbers, blank and control-character
fields, duplicate keys, thousands of problems at once, escaped half characters): each gets
a report with the right status and nothing raises, both as a new key and as an update of a
live key, whose live version then stays as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from newsdesk.dal import keys
from newsdesk.logic.publishing import rendering
from newsdesk.logic.publishing.loading import (
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    MAX_SOURCE_BYTES,
    ContentError,
)
from newsdesk.logic.publishing.parsing import MAX_BODY_HTML_BYTES, parse_article_source
from newsdesk.logic.publishing.pipeline import Publisher
from newsdesk.logic.publishing.reports import MAX_LISTED

from tests.unit.publishing_fake import InMemoryStorage

FIELDS: dict[str, Any] = {
    "title": "Ny legeplads i Hedegården",
    "category": "Bolig",
    "tags": ["Fællesskab", "Børn"],
    "author": "Asta Petersen",
}
BODY = "Legepladsen blev indviet lørdag.\n\nMange beboere var med.\n"
KEY = "articles/legeplads.md"
JSON_KEY = "articles/legeplads.json"
RECEIVED = datetime(2026, 11, 20, 7, tzinfo=UTC)


def markdown_file(fields: dict[str, Any], body: str = BODY) -> bytes:
    return f"---\n{yaml.safe_dump(fields, allow_unicode=True)}---\n{body}".encode()


def json_file(fields: dict[str, Any], body: str = BODY) -> bytes:
    return json.dumps({**fields, "body": body}, ensure_ascii=False).encode()


type Upload = tuple[str, bytes, set[str]]  # key, data, the fields a rejection may name


# Strategies: each yields an upload that must be rejected, naming one of the fields given.

depths = st.integers(min_value=MAX_DEPTH + 1, max_value=450_000)  # stays under 1 MB


@st.composite
def deep_nesting(draw: st.DrawFn) -> Upload:
    depth = draw(depths)
    form = draw(st.sampled_from(["yaml-flow", "yaml-block", "json"]))
    if form == "json":
        data = b'{"tags": ' + b"[" * depth + b"]" * depth + b"}"
        return JSON_KEY, data, {"file"}
    if form == "yaml-flow":
        tags = "[" * depth + "x" + "]" * depth
    else:
        depth = min(depth, 300)  # each level is a longer line: 300 levels are 90 KB
        tags = "".join("\n" + "  " * level + "-" for level in range(depth)) + " x"
    front = yaml.safe_dump({k: v for k, v in FIELDS.items() if k != "tags"}, allow_unicode=True)
    return KEY, f"---\n{front}tags: {tags}\n---\n{BODY}".encode(), {"front_matter"}


@st.composite
def big_numbers(draw: st.DrawFn) -> Upload:
    digits = draw(st.integers(min_value=MAX_NUMBER_DIGITS + 1, max_value=20_000))
    number = "9" * digits
    if draw(st.booleans()):
        return (
            JSON_KEY,
            json_file(FIELDS)[:-1] + f', "reading_minutes": {number}}}'.encode(),
            {"file"},
        )
    front = yaml.safe_dump(FIELDS, allow_unicode=True) + f"reading_minutes: {number}\n"
    return KEY, f"---\n{front}---\n{BODY}".encode(), {"front_matter"}


blank = st.text(alphabet=" \t\u00a0\u2003\u3000", max_size=30)
text_fields = st.sampled_from(["title", "category", "author", "tags"])


@st.composite
def blank_fields(draw: st.DrawFn) -> Upload:
    name = draw(text_fields)
    value: Any = draw(blank)
    fields = dict(FIELDS)
    if name == "tags":
        fields["tags"] = ["Fællesskab", value]
        named = {"tags[1]"}
    else:
        fields[name] = value
        named = {name}
    make = draw(st.sampled_from([(KEY, markdown_file), (JSON_KEY, json_file)]))
    return make[0], make[1](fields), named


controls = st.sampled_from(
    [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]
    + ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\x9b"]
)


@st.composite
def control_characters(draw: st.DrawFn) -> Upload:
    name = draw(st.sampled_from(["title", "category", "author", "subtitle"]))
    base = "Ny legeplads"
    at = draw(st.integers(min_value=1, max_value=len(base) - 1))
    fields = {**FIELDS, name: base[:at] + draw(controls) + base[at:]}
    # JSON carries every character; YAML cannot hold some of them (a YAML error then).
    if draw(st.booleans()):
        return JSON_KEY, json_file(fields), {name}
    return KEY, markdown_file(fields), {name, "front_matter"}


@st.composite
def duplicate_keys(draw: st.DrawFn) -> Upload:
    name = draw(st.sampled_from(sorted(FIELDS)))
    if draw(st.booleans()):
        data = json_file(FIELDS)[:-1] + f', "{name}": "igen"}}'.encode()
        return JSON_KEY, data, {"file"}
    front = yaml.safe_dump(FIELDS, allow_unicode=True) + f"{name}: igen\n"
    return KEY, f"---\n{front}---\n{BODY}".encode(), {"front_matter"}


@st.composite
def many_problems(draw: st.DrawFn) -> Upload:
    """More problems than a report lists (unknown keys, empty tags), or one enormous key name:
    the report must still fit DynamoDB's item (the key's state holds it)."""
    count = draw(st.integers(min_value=MAX_LISTED + 1, max_value=3_000))
    kind = draw(st.sampled_from(["unknown", "blank-tags", "long-name"]))
    if kind == "long-name":
        name = "x" * draw(st.integers(min_value=1_000, max_value=900_000))
        return JSON_KEY, json_file({**FIELDS, name: 1}), {"x" * 199 + "…"}
    named = {"file"}
    if kind == "unknown":
        fields = {**FIELDS, **{f"felt{i}": 1 for i in range(count)}}
    else:
        fields = {**FIELDS, "tags": [""] * count}
        named.add("tags")  # too many tags is one problem, found before the tags are checked
    if draw(st.booleans()):
        return JSON_KEY, json_file(fields), named
    # Over the front matter's size limit is a front_matter refusal: also one short report.
    return KEY, markdown_file(fields), named | {"front_matter"}


@st.composite
def half_characters(draw: st.DrawFn) -> Upload:
    """A \\u escape of one UTF-16 surrogate without its partner: no store can hold it."""
    name = draw(st.sampled_from(["title", "category", "author", "subtitle", "tags"]))
    half = f"\\u{draw(st.integers(min_value=0xD800, max_value=0xDFFF)):04x}"
    at = draw(st.integers(min_value=0, max_value=4))
    escaped = json.dumps("Ny le"[:at] + "@" + "Ny le"[at:]).replace("@", half)
    value = f"[{escaped}]" if name == "tags" else escaped
    fields = {k: v for k, v in FIELDS.items() if k != name}
    if draw(st.booleans()):
        data = json_file(fields)[:-1] + f', "{name}": {value}}}'.encode()
        return JSON_KEY, data, {name}
    front = yaml.safe_dump(fields, allow_unicode=True) + f"{name}: {value}\n"
    return KEY, f"---\n{front}---\n{BODY}".encode(), {name}


@st.composite
def escaped_quote_runs(draw: st.DrawFn) -> Upload:
    """A long line of escaped quotes (`\\"` or `"\\`) in a string never closed: each one
    used to restart the search for strings over the rest of the line (quadratic)."""
    unit = draw(st.sampled_from(['\\"', '"\\', '\\"\\\\']))
    count = draw(st.integers(min_value=1, max_value=300_000))
    tail = draw(st.sampled_from(["", '"', '", "tags": [[[[[[["x"]]]]]]]}']))
    return JSON_KEY, ('{"title": "' + unit * count + tail).encode(), {"file"}


rejected_uploads = st.one_of(
    escaped_quote_runs(),
    deep_nesting(),
    big_numbers(),
    blank_fields(),
    control_characters(),
    duplicate_keys(),
    many_problems(),
    half_characters(),
)

# Long runs of the characters Markdown parsing is slowest on: published or refused (`body`),
# never an exception and never unbounded work.
runs = st.builds(
    lambda char, length, prose: (char * length) + "\n\n" + prose,
    st.sampled_from(["[", "![", "*a", "_a ", "`a", "\n", "a\n", "|a", "&#", "<", "\\", "> "]),
    st.integers(min_value=1, max_value=300_000),  # at most 900 KB: under the size limit
    st.just(BODY),
)


def decide(storage: InMemoryStorage, key: str, data: bytes) -> dict[str, Any]:
    report = Publisher(words_per_minute=200, storage=storage).process(storage.upload(key, data))
    assert report is not None
    assert storage.reports[key] == report
    assert all(set(e) == {"field", "message"} and e["message"] for e in report["errors"])
    return report


def live_items(storage: InMemoryStorage) -> dict[tuple[str, str], Any]:
    return {k: v for k, v in storage.items.items() if k[0] == keys.article_pk("legeplads")}


def check_both_ways(upload: Upload, expect: Callable[[dict[str, Any]], None]) -> None:
    """As a new key, and as an update of the same key while a good version is live."""
    key, data, _ = upload
    expect(decide(InMemoryStorage(), key, data))
    storage = InMemoryStorage()
    good = json_file(FIELDS) if key.endswith(".json") else markdown_file(FIELDS)
    assert decide(storage, key, good)["status"] == "published"
    before = live_items(storage)
    report = decide(storage, key, data)
    expect(report)
    if report["status"] == "rejected":
        assert report["slug"] == "legeplads"
        assert live_items(storage) == before


@given(rejected_uploads)
@settings(max_examples=150)
def test_pathological_uploads_are_rejected_naming_the_field(upload: Upload) -> None:
    def expect(report: dict[str, Any]) -> None:
        assert report["status"] == "rejected", report
        assert {e["field"] for e in report["errors"]} & upload[2], report
        assert len(report["errors"]) <= MAX_LISTED

    check_both_ways(upload, expect)


@given(runs)
@settings(max_examples=25)
def test_long_runs_are_published_or_refused_as_body(body: str) -> None:
    def expect(report: dict[str, Any]) -> None:
        assert report["status"] in {"published", "rejected"}
        if report["status"] == "rejected":
            assert [e["field"] for e in report["errors"]] == ["body"], report

    check_both_ways((KEY, markdown_file(FIELDS, body), {"body"}), expect)


@given(st.binary(max_size=2_000))
@settings(max_examples=150)
def test_any_bytes_get_a_report(data: bytes) -> None:
    for key in (KEY, JSON_KEY):
        assert decide(InMemoryStorage(), key, data)["status"] == "rejected"


def test_escaped_character_pairs_are_one_character() -> None:
    """YAML leaves `\\ud83c\\udf33` as two halves; both forms publish the one character."""
    fields = {k: v for k, v in FIELDS.items() if k != "title"}
    front = yaml.safe_dump(fields, allow_unicode=True) + 'title: "Ny legeplads \\ud83c\\udf33"\n'
    for key, data in [
        (KEY, f"---\n{front}---\n{BODY}".encode()),
        (JSON_KEY, json_file(fields)[:-1] + b', "title": "Ny legeplads \\ud83c\\udf33"}'),
    ]:
        storage = InMemoryStorage()
        assert decide(storage, key, data)["status"] == "published"
        meta = storage.items[keys.article_pk("legeplads"), keys.ARTICLE_SK]
        assert meta["title"] == "Ny legeplads \U0001f333"


@given(
    st.integers(min_value=1_000, max_value=100_000),
    st.integers(min_value=400, max_value=5_000),
    st.sampled_from(["[a]", "[tekst][a]", "![billede][a]", "[A][]"]),
    st.booleans(),
)
@settings(max_examples=20, deadline=None)
def test_a_reference_link_bomb_is_refused_before_it_is_rendered(
    length: int, uses: int, use: str, titled: bool
) -> None:
    """One long reference definition used thousands of times: each use repeats its URL (or
    title) in the HTML, so a 100 KB upload would render gigabytes. It is refused as `body`
    without rendering (the renderer is never called) and the live version stays."""
    if length * uses <= MAX_BODY_HTML_BYTES:
        uses = MAX_BODY_HTML_BYTES // length + 1
    definition = (
        f'[a]: https://x.dk/ "{"t" * length}"' if titled else f"[a]: https://x.dk/{'b' * length}"
    )
    body = f"{definition}\n\n" + f"{use} " * uses + "\n"
    # Thousands of `![billede][a]` are over the render budget, refused before this bound.
    assume(rendering.render_cost(body) <= rendering.MAX_RENDER_COST)
    rendered: list[int] = []
    renderer = rendering._markdown().renderer
    real_render = renderer.render

    def counting_render(*args: Any) -> str:
        html = real_render(*args)
        rendered.append(len(html))
        return html

    def expect(report: dict[str, Any]) -> None:
        assert report["status"] == "rejected"
        assert [e["field"] for e in report["errors"]] == ["body"], report
        assert "KB HTML" in report["errors"][0]["message"]
        assert "bruges via en henvisning" in report["errors"][0]["message"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(renderer, "render", counting_render)
        check_both_ways((KEY, markdown_file(FIELDS, body), {"body"}), expect)
    assert rendered and all(size < MAX_BODY_HTML_BYTES for size in rendered)  # the good ones


@pytest.mark.parametrize("tags", [[""] * 240_000, [[]] * 240_000, "a," * 240_000])
def test_too_many_tags_is_one_problem_found_before_any_tag_is_checked(tags: object) -> None:
    """A 1 MB JSON file of blank tags made one validation error per tag (320,000 of them
    took 670 MB, over the function's 512 MB) before the report kept 20."""
    data = json_file({**FIELDS, "tags": tags})
    assert len(data) <= MAX_SOURCE_BYTES
    with pytest.raises(ContentError) as refused:
        parse_article_source(JSON_KEY, data, received_at=RECEIVED, words_per_minute=200)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("tags", "er for lang: højst 20 punkter (der er 240000)")
    ]
