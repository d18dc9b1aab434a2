"""Parsing and validation of editors' uploads: every field rule, encodings, sanitising, slugs."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from newsdesk.labels import slugify
from newsdesk.logic.publishing.parsing import (
    MAX_BODY_HTML_BYTES,
    MAX_SOURCE_BYTES,
    ContentError,
    FieldError,
    parse_article,
    parse_article_source,
    parse_ebook,
)
from newsdesk.logic.publishing.rendering import reading_minutes, render_markdown, word_count

CONTENT = Path(__file__).resolve().parents[2] / "content"
RECEIVED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
BASE: dict[str, Any] = {
    "title": "Nyt fra Ballerup",
    "category": "Bolig",
    "tags": ["Fællesskab", "Ballerup"],
    "author": "Asta Petersen",
}
BODY = "Brødtekst om livet i Ballerup.\n\n## Et afsnit\n\nMere tekst her.\n"


def markdown(fields: dict[str, Any], body: str = BODY) -> bytes:
    """An article file as an editor writes it."""
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{body}".encode()


def parse(fields: dict[str, Any], body: str = BODY, key: str = "articles/nyt.md") -> Any:
    return parse_article(key, markdown(fields, body), received_at=RECEIVED, words_per_minute=200)


def errors_of(data: bytes, key: str = "articles/nyt.md") -> list[FieldError]:
    with pytest.raises(ContentError) as caught:
        parse_article(key, data, received_at=RECEIVED, words_per_minute=200)
    assert caught.value.errors, "a ContentError always says why"
    return caught.value.errors


def fields_with(**changes: Any) -> dict[str, Any]:
    values = dict(BASE)
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


# Slugs


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Inklusion i praksis", "inklusion-i-praksis"),
        ("Når generationer mødes", "naar-generationer-moedes"),
        ("ÆBLER, ØL & ÅL", "aebler-oel-aal"),
        ("Café Élan – über 100%!", "cafe-elan-uber-100"),
        ("  --Flere   mellemrum--  ", "flere-mellemrum"),
        ("Straße", "strasse"),
        ("!!!", ""),
        ("a" * 250, "a" * 200),
    ],
)
def test_danish_slug_rules(text: str, slug: str) -> None:
    assert slugify(text) == slug


@given(st.text(max_size=300))
@settings(max_examples=150)
def test_slugs_are_url_safe_and_stable(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= 200
    assert slugify(slug) == slug


def test_slug_from_file_name_or_front_matter() -> None:
    assert parse(BASE, key="articles/Nyt fra Ålholm.md").slug == "nyt-fra-aalholm"
    assert parse(BASE, key="articles/2026/november/nyt.md").slug == "nyt"
    assert parse(fields_with(slug="Mit eget Slug")).slug == "mit-eget-slug"
    assert errors_of(markdown(fields_with(slug="???"))) == [
        FieldError("slug", "slug'en har ingen bogstaver eller tal")
    ]
    [error] = errors_of(markdown(BASE), key="articles/___.md")
    assert error.field == "slug"
    assert "sæt `slug` i filen" in error.message


# Encodings and file shapes


def test_utf8_bom_is_tolerated() -> None:
    article = parse_article(
        "articles/nyt.md",
        b"\xef\xbb\xbf" + markdown(BASE),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert article.title == "Nyt fra Ballerup"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        # UTF-8 with a Windows-1252 part pasted in: neither reading is the editor's text.
        ("Ærø ".encode() + markdown(BASE).decode().encode("cp1252"), "ikke gemt som UTF-8"),
        # 0x81 is no character in Windows-1252.
        (markdown(BASE).replace(b"Ballerup", b"Ballerup\x81"), "heller ikke læses som Windows"),
        (b"\xff\xfe" + "---\ntitle: x\n".encode("utf-16-le") + b"\x00", "UTF-16, men er ødelagt"),
        (b"---\ntitle: x\x00\n---\n", "NUL"),
        (b"x" * (MAX_SOURCE_BYTES + 1), "grænsen er 1.000.000 bytes"),
    ],
)
def test_other_encodings_are_refused_clearly(data: bytes, needle: str) -> None:
    [error] = errors_of(data)
    assert error.field == "file"
    assert needle in error.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Ingen front matter\n", "Filen skal begynde med en linje med '---'"),
        ("---\ntitle: x\n", "Front matter lukkes ikke"),
        ("---\ntitle: [unclosed\n---\nbody\n", "Linje 2: ugyldig YAML: listen der begynder her"),
        ("---\n- a\n- b\n---\nbody\n", "`felt: værdi`"),
        ("---\na: &x [1]\nb: *x\n---\nbody\n", "Linje 3: henvisninger (*navn) er ikke tilladt"),
    ],
)
def test_front_matter_problems_are_reported(text: str, needle: str) -> None:
    [error] = errors_of(text.encode())
    assert error.field == "front_matter"
    assert needle in error.message


def test_yaml_error_names_the_line_in_the_file() -> None:
    [error] = errors_of(b"---\ntitle: ok\ncategory: Bolig\ntags: [a, b\n---\nbody\n")
    assert error.message.startswith("Linje 4: ugyldig YAML: listen der begynder her")


# The guide's own example quotes title, subtitle and summary: a title whose closing quote is
# missing then ran on to the summary's opening quote and was reported as bad indentation of
# the summary's line.
@pytest.mark.parametrize(
    ("front", "line"),
    [
        ('title: "Vinterbadning ved Å\nsummary: "Kort."\ncategory: Sundhed\nauthor: A B\n', 2),
        ('title: "Vinterbadning\ncategory: Sundhed\nsummary: "Kort."\nauthor: A B\n', 2),
        ("title: 'Vinterbadning\nsummary: 'Kort.'\ncategory: Sundhed\nauthor: A B\n", 2),
        ('category: Sundhed\nauthor: A B\ntitle: "Vinterbadning\n', 4),
        ('title: "Ok \\" nu"\nsummary: "Kort\ncategory: "Sundhed"\nauthor: A B\n', 3),
    ],
)
def test_an_unclosed_quote_is_named_on_its_own_line(front: str, line: int) -> None:
    [error] = errors_of(f"---\n{front}---\nBrødtekst.\n".encode())
    assert error.field == "front_matter"
    assert error.message == (
        f"Linje {line}: ugyldig YAML: anførselstegnet der begynder her, lukkes aldrig."
    )


_PLAIN_WORDS = st.text(alphabet="abcæøå ÆØÅ-.,!?", min_size=1, max_size=30).filter(str.strip)


@given(
    values=st.lists(_PLAIN_WORDS, min_size=2, max_size=6),
    quote=st.sampled_from(['"', "'"]),
    data=st.data(),
)
def test_any_missing_closing_quote_names_its_line(
    values: list[str], quote: str, data: st.DataObject
) -> None:
    names = ["title", "subtitle", "summary", "category", "author", "slug"][: len(values)]
    lines = [
        f"{name}: {quote}{value.strip()}{quote}" for name, value in zip(names, values, strict=True)
    ]
    broken = data.draw(st.integers(0, len(lines) - 1))
    lines[broken] = lines[broken][:-1]
    [error] = errors_of(("---\n" + "\n".join(lines) + "\n---\nTekst.\n").encode())
    assert error.message.startswith(
        f"Linje {broken + 2}: ugyldig YAML: anførselstegnet der begynder her, lukkes aldrig"
    )


def test_a_later_error_is_not_blamed_on_a_quoted_text_over_lines() -> None:
    front = 'summary: "Lang tekst.\n  Bemærk: mere"\ntitle: Ballerup: nyt torv\n'
    [error] = errors_of(f"---\n{front}---\nTekst.\n".encode())
    assert error.message.startswith("Linje 4: ugyldig YAML: et kolon midt i en tekst")


def test_a_quoted_text_over_two_lines_is_still_fine() -> None:
    fields = 'title: "Nyt fra\n  Ballerup"\nsummary: "Kort"\ncategory: Bolig\nauthor: A B\n'
    article = parse_article(
        "articles/nyt.md",
        f"---\n{fields}---\nTekst.\n".encode(),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert article.title == "Nyt fra Ballerup"


def test_crlf_line_endings_are_fine() -> None:
    data = markdown(BASE).replace(b"\n", b"\r\n")
    assert parse_article("articles/x.md", data, received_at=RECEIVED, words_per_minute=200).tags


def test_unsupported_extension_is_refused() -> None:
    [error] = errors_of(markdown(BASE), key="articles/nyt.txt")
    assert error.field == "file"
    assert ".md" in error.message and ".json" in error.message


# Field rules


@pytest.mark.parametrize("name", ["title", "category", "author"])
def test_required_fields(name: str) -> None:
    assert FieldError(name, "feltet mangler; det skal altid være der") in errors_of(
        markdown(fields_with(**{name: None}))
    )


def test_all_errors_are_reported_at_once_with_field_names() -> None:
    errors = errors_of(
        markdown(
            {
                "titel": "Stavefejl",
                "category": "",
                "tags": ["ok", ""],
                "author": {"first_name": "Asta"},
                "reading_minutes": 0,
                "status": "offline",
            }
        )
    )
    fields = {e.field for e in errors}
    assert fields == {
        "title",
        "titel",
        "category",
        "tags[1]",
        "author",
        "reading_minutes",
        "status",
    }
    danish = next(e for e in errors if e.field == "titel")
    assert danish.message == "felternes navne er engelske: skriv `title` i stedet for 'titel'"
    unknown = next(e for e in errors_of(markdown({**BASE, "titlee": "x"})) if e.field == "titlee")
    assert "de kendte felter er title" in unknown.message and "body" not in unknown.message


@pytest.mark.parametrize(
    ("name", "limit"), [("title", 200), ("subtitle", 300), ("summary", 2000), ("category", 60)]
)
def test_text_length_limits(name: str, limit: int) -> None:
    assert parse(fields_with(**{name: "x" * limit}))
    [error] = errors_of(markdown(fields_with(**{name: "x" * (limit + 1)})))
    assert error.field == name
    assert str(limit) in error.message


def test_texts_are_stripped_and_numbers_read_as_text() -> None:
    article = parse(fields_with(title="  Ballerup  ", subtitle=2026))
    assert article.title == "Ballerup"
    assert article.subtitle == "2026"


def test_tags_as_list_or_comma_string_deduplicated() -> None:
    assert parse(fields_with(tags="Fællesskab, Ballerup ,")).tags == ["Fællesskab", "Ballerup"]
    assert parse(fields_with(tags=["Ballerup", "ballerup ", "BALLERUP"])).tags == ["Ballerup"]
    assert parse(fields_with(tags=None)).tags == []
    [error] = errors_of(markdown(fields_with(tags=[f"t{i}" for i in range(21)])))
    assert error.field == "tags"
    [error] = errors_of(markdown(fields_with(tags={"a": 1})))
    assert error.field == "tags"


def test_author_as_name_or_mapping() -> None:
    author = parse(fields_with(author="Asta  Marie Petersen")).author
    assert (author.name, author.first_name, author.last_name) == (
        "Asta Marie Petersen",
        "Asta Marie",
        "Petersen",
    )
    author = parse(fields_with(author={"first_name": "Ida", "last_name": "Trilhøj"})).author
    assert author.name == "Ida Trilhøj"


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("   ", "må ikke være tom"),
        ({"first_name": "Ida", "last_name": "Trilhøj", "email": "x"}, "ukendt felt email"),
        ({"first_name": "Ida", "last_name": ""}, "last_name"),
        ({"last_name": "Trilhøj"}, "first_name"),
        (["Ida", "Trilhøj"], "Fornavn Efternavn"),
        ("x" * 101, "højst 100 tegn"),
    ],
)
def test_author_errors(value: object, needle: str) -> None:
    [error] = errors_of(markdown(fields_with(author=value)))
    assert error.field == "author"
    assert needle in error.message


def test_published_at_without_offset_is_copenhagen_time() -> None:
    given_time = datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    assert parse(fields_with(published_at=given_time)).published_at == given_time
    assert parse(BASE).published_at == RECEIVED
    winter, summer = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
    for stamp, meant in [
        ("2026-11-20", datetime(2026, 11, 20, 0, 0, tzinfo=winter)),
        ("2026-11-20T08:00:00", datetime(2026, 11, 20, 8, 0, tzinfo=winter)),
        ("2026-11-20 08:00", datetime(2026, 11, 20, 8, 0, tzinfo=winter)),
        ("2026-07-01 08:00", datetime(2026, 7, 1, 8, 0, tzinfo=summer)),
        ('"2026-07-01T08:00"', datetime(2026, 7, 1, 8, 0, tzinfo=summer)),
    ]:
        text = markdown(BASE).decode().replace("author:", f"published_at: {stamp}\nauthor:", 1)
        parsed = parse_article(
            "articles/nyt.md", text.encode(), received_at=RECEIVED, words_per_minute=200
        )
        assert parsed.published_at == meant, stamp
    as_json = json.dumps({**BASE, "body": BODY, "published_at": "2026-11-20T08:00"})
    from_json = parse_article(
        "articles/nyt.json", as_json.encode(), received_at=RECEIVED, words_per_minute=200
    )
    assert from_json.published_at == datetime(2026, 11, 20, 8, 0, tzinfo=winter)


@pytest.mark.parametrize(
    # Date-shaped but no date (YAML reads these as timestamps, then cannot build one).
    "stamp",
    ["i morgen", "2026-13-45", "2026-02-30", "2026-11-20 25:00:00", "2026-11-20T08:61:00+01:00"],
)
def test_published_at_that_is_no_time_is_refused(stamp: str) -> None:
    text = markdown(BASE).decode().replace("author:", f"published_at: {stamp}\nauthor:", 1)
    [error] = errors_of(text.encode())
    assert error.field == "published_at"
    assert "2026-11-20T08:00:00+01:00" in error.message


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "1899-12-31T23:00:00+00:00"])
def test_published_at_must_be_plausible(stamp: str) -> None:
    text = markdown(BASE).decode().replace("author:", f"published_at: {stamp}\nauthor:", 1)
    [error] = errors_of(text.encode())
    assert error == FieldError("published_at", "datoen skal ligge mellem år 1900 og 2999")


def test_reading_minutes_given_or_computed() -> None:
    assert parse(fields_with(reading_minutes=7)).reading_minutes == 7
    body = " ".join(["ord"] * 401)
    assert parse(BASE, body=body).reading_minutes == 3
    for bad in (0, 601, "7", True, 2.5):
        [error] = errors_of(markdown(fields_with(reading_minutes=bad)))
        assert error.field == "reading_minutes"


def test_reading_time_counts_words_not_markdown() -> None:
    assert word_count("## Hej verden\n\n**to** ord [et link](https://x.dk) `kode`") == 7
    assert reading_minutes("ord " * 200, 200) == 1
    assert reading_minutes("ord " * 201, 200) == 2
    assert reading_minutes("", 200) == 1


def test_status_and_ebook() -> None:
    source = parse_article_source(
        "articles/nyt.md",
        markdown(fields_with(status="published", ebook="Ballerup Shopping")),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert source.status == "published"
    assert source.ebook_id == "ballerup-shopping"
    [error] = errors_of(markdown(fields_with(ebook="…")))
    assert error.field == "ebook"


@pytest.mark.parametrize(("written", "meant"), [("Published", "published"), (" DRAFT ", "draft")])
def test_status_is_read_case_insensitively(written: str, meant: str) -> None:
    source = parse_article_source(
        "articles/nyt.md",
        markdown(fields_with(status=written)),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert source.status == meant


def test_draft_unpublishes_even_when_unfinished() -> None:
    source = parse_article_source(
        "articles/nyt.md",
        markdown({"status": "draft", "title": ""}),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert source.status == "draft"
    assert source.article is None


def test_body_is_required_and_bounded() -> None:
    [error] = errors_of(markdown(BASE, body="\n   \n"))
    assert error == FieldError(
        "body",
        "artiklen har ingen brødtekst; skriv teksten efter linjen med den afsluttende '---' "
        "(i en .json-fil i feltet body)",
    )
    [error] = errors_of(markdown(fields_with(body="x")))
    assert error.field == "body"
    huge = "ord " * (MAX_BODY_HTML_BYTES // 4 + 10)
    [error] = errors_of(markdown(BASE, body=huge))
    assert error.field == "body"
    assert "for stor" in error.message


# The JSON form


def test_json_form_has_the_same_keys_and_body() -> None:
    document = dict(BASE, body="# Overskrift\n\nTekst", published_at="2026-11-16T09:00:00+01:00")
    article = parse_article(
        "articles/nyt.json",
        json.dumps(document).encode(),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert article.body_html == "<h2>Overskrift</h2>\n<p>Tekst</p>"
    assert article.published_at == datetime(2026, 11, 16, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "field", "needle"),
    [
        ('{"title": ', "file", "Linje 1, kolonne 11: ugyldig JSON"),
        # A comma forgotten at the end of a line: named there, not at the next field.
        (
            '{\n  "title": "Nyt"\n  "category": "Bolig"\n}',
            "file",
            "Linje 2, kolonne 17: ugyldig JSON: der mangler et komma efter værdien her",
        ),
        (
            '{\n  "tags": ["Bolig", "Børn",],\n  "title": "Nyt"\n}',
            "file",
            "Linje 2, kolonne 27: ugyldig JSON: der står et komma for meget før ] eller }",
        ),
        (
            '{\n  "title": "Nyt",\n}',
            "file",
            "Linje 2, kolonne 17: ugyldig JSON: der står et komma for meget",
        ),
        ("[1, 2]", "file", "ét objekt"),
        (json.dumps(BASE), "body", "feltet mangler"),
        (json.dumps(dict(BASE, body=5)), "body", "tekst"),
    ],
)
def test_json_form_errors(text: str, field: str, needle: str) -> None:
    errors = errors_of(text.encode(), key="articles/nyt.json")
    assert any(e.field == field and needle in e.message for e in errors), errors


# Sanitising


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[klik](javascript:alert(1))",
        "[klik](JaVaScRiPt:alert(1))",
        "[klik](vbscript:msgbox(1))",
        "![billede](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">a</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<svg onload=alert(1)>",
    ],
)
def test_no_script_no_handlers_no_javascript_links_no_raw_html(body: str) -> None:
    html = render_markdown(body)
    assert "<script" not in html
    assert "<iframe" not in html and "<svg" not in html and "<div" not in html
    assert not re.search(r"<[^>]+\son\w+=", html)
    assert not re.search(
        r"""<[a-z][^>]*(href|src)=["']?\s*(javascript|vbscript|data):""", html, re.I
    )


@given(
    st.text(alphabet=st.sampled_from("<>\"'=/ :;()[]!#*`&\nscriptjavaonerrorimghref"), max_size=120)
)
@settings(max_examples=150)
def test_rendered_html_never_carries_script(body: str) -> None:
    html = render_markdown(body)
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", html, re.I)
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html).lower()


def test_markdown_renders_headings_lists_tables_and_safe_links() -> None:
    html = render_markdown(
        "# Titel\n\n- en\n- to\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n\n[Ballerup](https://ballerup.dk)"
    )
    assert "<h2>Titel</h2>" in html
    assert "<li>en</li>" in html
    assert '<td style="text-align:right">2</td>' in html
    assert '<a href="https://ballerup.dk" rel="noopener noreferrer">Ballerup</a>' in html


# Hypothesis over front matter

_texts = st.text(
    alphabet=st.characters(categories=["L", "N", "Zs", "P"], exclude_characters="\x85\u2028\u2029"),
    min_size=1,
    max_size=80,
).filter(lambda s: s.strip())


@given(
    title=_texts,
    category=_texts.map(lambda s: s[:60]),
    tags=st.lists(_texts.map(lambda s: s[:60]), max_size=8),
    first=_texts.map(lambda s: s[:40]),
    last=_texts.map(lambda s: s[:40]),
    minutes=st.one_of(st.none(), st.integers(1, 600)),
    offset=st.integers(-12, 14),
)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_valid_front_matter_round_trips(
    title: str,
    category: str,
    tags: list[str],
    first: str,
    last: str,
    minutes: int | None,
    offset: int,
) -> None:
    published = datetime(2026, 11, 20, 8, 0, tzinfo=timezone(timedelta(hours=offset)))
    fields: dict[str, Any] = {
        "title": title,
        "category": category,
        "tags": tags,
        "author": {"first_name": first, "last_name": last},
        "published_at": published,
    }
    if minutes is not None:
        fields["reading_minutes"] = minutes
    article = parse(fields)
    assert article.title == unicodedata.normalize("NFC", title).strip()
    assert article.category == " ".join(unicodedata.normalize("NFC", category).split())
    assert article.published_at == published
    assert article.author.first_name == " ".join(unicodedata.normalize("NFC", first).split())
    assert len(article.tags) <= len(tags)
    assert article.reading_minutes == (minutes or 1)


_yaml_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False),
        st.text(max_size=30),
        st.dates(),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                *BASE,
                "subtitle",
                "summary",
                "published_at",
                "slug",
                "reading_minutes",
                "status",
                "ebook",
                "body",
                "x",
            ]
        ),
        _yaml_values,
    )
)
@settings(max_examples=120)
def test_any_front_matter_gives_an_article_or_field_errors(fields: dict[str, Any]) -> None:
    try:
        article = parse(fields)
    except ContentError as error:
        errors = error.errors
    else:
        assert article.title and article.body_html
        return
    assert errors
    assert all(e.field and e.message for e in errors)


# E-books and the sample content


def test_ebook_front_matter() -> None:
    ebook = parse_ebook(
        "ebooks/Ballerup Shopping.md",
        markdown({"title": "Shopping", "description": "Guide"}, body="Om bogen"),
    )
    assert (ebook.id, ebook.cta_label) == ("ballerup-shopping", "Tag e-bogen")
    with pytest.raises(ContentError) as caught:
        parse_ebook("ebooks/x.md", markdown({"title": "Shopping", "pris": 5}))
    assert {e.field for e in caught.value.errors} == {"description", "pris"}


def test_sample_content_parses() -> None:
    paths = sorted((CONTENT / "articles").iterdir())
    assert paths
    articles = {
        article.slug: article
        for article in (
            parse_article(
                f"articles/{path.name}",
                path.read_bytes(),
                received_at=RECEIVED,
                words_per_minute=200,
            )
            for path in paths
        )
    }
    seed = articles["inklusion-i-praksis"]
    assert seed.author.name == "Asta Petersen"
    assert seed.reading_minutes == 7
    assert seed.body_html.count("<h2>") == 6
    ebook_path = CONTENT / "ebooks" / "ballerup-shopping.md"
    assert parse_ebook("ebooks/ballerup-shopping.md", ebook_path.read_bytes()).title
