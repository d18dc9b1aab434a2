"""Files as editors really save them: Word/Notepad encodings, line endings, invisible
characters, macOS's decomposed letters, Danish dates and field names in other case.

Each case either publishes what the editor meant (the same Article as the tidy UTF-8 file) or
is refused with a Danish message that says what to do.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from newsdesk.labels import label_slug
from newsdesk.logic.publishing.parsing import (
    ContentError,
    FieldError,
    parse_article,
    parse_article_source,
    parse_ebook,
)
from newsdesk.models import Article

RECEIVED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
FIELDS: dict[str, Any] = {
    "title": "Smørrebrød på Ærø – “det gode liv”",
    "category": "Økonomi",
    "tags": ["Fællesskab", "Børn"],
    "author": "Åse Ødegård",
    "published_at": "2026-12-03T10:00:00+01:00",
}
BODY = "Åens bredder er grønne, og søen ligger stille.\n\n## Øen\n\nMange var med.\n"


def text_file(fields: dict[str, Any] = FIELDS, body: str = BODY) -> str:
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{body}"


def article(data: bytes, key: str = "articles/oe.md") -> Article:
    return parse_article(key, data, received_at=RECEIVED, words_per_minute=200)


def errors_of(data: bytes, key: str = "articles/oe.md") -> list[FieldError]:
    with pytest.raises(ContentError) as caught:
        article(data, key)
    return caught.value.errors


TIDY = article(text_file().encode())


# Encodings and line endings


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + text_file().encode(),
        text_file().encode("utf-16"),  # Notepad's "Unicode": little-endian with a BOM
        b"\xfe\xff" + text_file().encode("utf-16-be"),
        text_file().encode("utf-32"),
        text_file().replace("\n", "\r\n").encode(),
        text_file().replace("\n", "\r").encode(),  # classic Mac OS
        text_file().replace("\n", "\r\n").encode("utf-16"),
    ],
    ids=["utf8-bom", "utf16-le", "utf16-be", "utf32", "crlf", "cr", "utf16-crlf"],
)
def test_unicode_files_publish_as_the_tidy_file(data: bytes) -> None:
    source = parse_article_source(
        "articles/oe.md", data, received_at=RECEIVED, words_per_minute=200
    )
    assert source.article == TIDY
    assert source.warnings == ()


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_windows_1252_file_publishes_with_a_warning(codec: str) -> None:
    fields = FIELDS if codec == "cp1252" else {**FIELDS, "title": "Smørrebrød på Ærø"}
    source = parse_article_source(
        "articles/oe.md",
        text_file(fields).replace("\n", "\r\n").encode(codec),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert source.article == article(text_file(fields).encode())
    [warning] = source.warnings
    assert warning.field == "file"
    assert "Windows-1252" in warning.message and "gem filen som UTF-8" in warning.message


_cp1252_text = st.text(
    alphabet=st.sampled_from("abcæøåÆØÅéü “”‘’–—…€«»½§.,;!?0123456789"),
    min_size=1,
    max_size=60,
).filter(lambda s: s.strip() and not s.strip().startswith(("-", "?")))


@given(title=_cp1252_text, category=_cp1252_text.map(lambda s: s[:60]))
@settings(max_examples=80)
def test_any_windows_1252_text_reads_as_its_utf8_twin(title: str, category: str) -> None:
    fields = {**FIELDS, "title": title, "category": category}
    try:
        expected = article(text_file(fields).encode())
    except ContentError:
        return  # e.g. a category with no letters: the same refusal either way is checked below
    assert article(text_file(fields).encode("cp1252")) == expected


def test_mixed_or_undecodable_files_are_refused_in_danish() -> None:
    mixed = "Ærø “citat”\n".encode() + text_file().encode("cp1252")
    [error] = errors_of(mixed)
    assert error.field == "file"
    assert "ikke gemt som UTF-8 (første ugyldige tegn på linje" in error.message
    assert "Gem den som UTF-8 og upload igen" in error.message
    [error] = errors_of(b"\xff\xfe-\x00-")  # half a UTF-16 character
    assert error.field == "file"
    assert error.message == "Filen er gemt som UTF-16, men er ødelagt. Gem den som UTF-8."


@pytest.mark.parametrize("symbols", ["20\u00a0°C", "½ liter", "§ 3", "«citat»", "5 €", "🎉"])
def test_a_utf8_file_with_one_broken_byte_is_not_misread_as_windows_1252(symbols: str) -> None:
    """No Danish letter in the file, only UTF-8 symbols and one pasted Windows-1252 quote:
    read as Windows-1252 the symbols would be published garbled ("Â°C", "â‚¬")."""
    fields = {"title": "Sommer", "category": "Kultur", "author": "Asta Berg"}
    data = text_file(fields, f"Vandet: {symbols}.\n").encode() + b"Det er \x92sjovt\x92.\n"
    [error] = errors_of(data)
    assert error.field == "file"
    assert "ikke gemt som UTF-8 (første ugyldige tegn på linje 7)" in error.message


def test_ebook_in_utf16_or_windows_1252_is_read() -> None:
    text = "---\r\nTitle: Ærøs bedste\r\ndescription: Find de gode steder.\r\n---\r\n"
    for data in (text.encode("utf-16"), text.encode("cp1252")):
        ebook = parse_ebook("ebooks/aeroe.md", data)
        assert (ebook.id, ebook.title) == ("aeroe", "Ærøs bedste")


# Invisible characters, non-breaking spaces and decomposed letters

_INVISIBLE = "\u00ad\u200b\u2060\ufeff"


@given(
    st.lists(st.tuples(st.integers(0, 40), st.sampled_from(_INVISIBLE)), max_size=6),
    st.booleans(),
)
@settings(max_examples=80)
def test_invisible_characters_and_nfd_change_nothing(
    insertions: list[tuple[int, str]], decomposed: bool
) -> None:
    def sloppy(text: str) -> str:
        for position, char in insertions:
            cut = position % (len(text) + 1)
            text = text[:cut] + char + text[cut:]
        return unicodedata.normalize("NFD", text) if decomposed else text

    fields = {
        **FIELDS,
        "title": sloppy(FIELDS["title"]),
        "category": sloppy(FIELDS["category"]),
        "tags": [sloppy(tag) for tag in FIELDS["tags"]],
        "author": sloppy(FIELDS["author"]),
    }
    body = unicodedata.normalize("NFD", BODY) if decomposed else BODY
    assert article(text_file(fields, body).encode()) == TIDY


def test_labels_with_non_breaking_or_doubled_spaces_are_the_plain_label() -> None:
    fields = {
        **FIELDS,
        "category": "\u00a0Grønne\u00a0 områder ",
        "tags": "Bolig,  bolig , Grønne\u00a0områder",
    }
    parsed = article(text_file(fields).encode())
    assert parsed.category == "Grønne områder"
    assert parsed.tags == ["Bolig", "Grønne områder"]
    assert label_slug(parsed.category) == "groenne-omraader"


def test_title_keeps_a_deliberate_non_breaking_space() -> None:
    parsed = article(text_file({**FIELDS, "title": "Åbent kl.\u00a010"}).encode())
    assert parsed.title == "Åbent kl.\u00a010"


# Dates as Danes type them


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("3. december 2026", datetime(2026, 12, 3, tzinfo=COPENHAGEN)),
        ("3 dec. 2026", datetime(2026, 12, 3, tzinfo=COPENHAGEN)),
        ("03-12-2026", datetime(2026, 12, 3, tzinfo=COPENHAGEN)),
        ("03.12.2026", datetime(2026, 12, 3, tzinfo=COPENHAGEN)),
        ("3/12/2026", datetime(2026, 12, 3, tzinfo=COPENHAGEN)),
        ("2026-12-03 10:00", datetime(2026, 12, 3, 10, tzinfo=COPENHAGEN)),
        ("2026-12-03 10.00", datetime(2026, 12, 3, 10, tzinfo=COPENHAGEN)),
        ("3. december 2026 kl. 10.30", datetime(2026, 12, 3, 10, 30, tzinfo=COPENHAGEN)),
        ("1. juli 2026 kl. 8:00", datetime(2026, 7, 1, 8, tzinfo=COPENHAGEN)),  # summer time
        ("d. 3. december 2026 kl. 10", datetime(2026, 12, 3, 10, tzinfo=COPENHAGEN)),
        ("D. 3/12/2026", datetime(2026, 12, 3, tzinfo=COPENHAGEN)),
        ("03-12-2026 10:00 +01:00", datetime(2026, 12, 3, 9, tzinfo=UTC)),
        ("03-12-2026 10:00Z", datetime(2026, 12, 3, 10, tzinfo=UTC)),
        ("2026-12-03T10:00:00+01:00", datetime(2026, 12, 3, 9, tzinfo=UTC)),
    ],
)
def test_danish_dates_are_read(typed: str, meant: datetime) -> None:
    parsed = article(text_file({**FIELDS, "published_at": typed}).encode())
    assert parsed.published_at == meant


@pytest.mark.parametrize("typed", ["31-02-2026", "3. decembre 2026", "03-12-26", "i morgen"])
def test_impossible_or_ambiguous_dates_are_refused_with_examples(typed: str) -> None:
    [error] = errors_of(text_file({**FIELDS, "published_at": typed}).encode())
    assert error.field == "published_at"
    assert error.message.startswith("er ikke en dato: skriv en dato (2026-11-20, 20-11-2026")


@given(
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2900, 12, 31)),
    st.sampled_from(["{d}-{m}-{y}", "{d}.{m}.{y}", "{d}/{m}/{y}", "{d}. {name} {y}"]),
)
@settings(max_examples=80)
def test_every_day_in_danish_forms_is_that_day(moment: datetime, form: str) -> None:
    names = "januar februar marts april maj juni juli august september oktober november december"
    typed = form.format(
        d=moment.day, m=f"{moment.month:02}", y=moment.year, name=names.split()[moment.month - 1]
    )
    time = f"{moment.hour:02}.{moment.minute:02}"
    parsed = article(text_file({**FIELDS, "published_at": f"{typed} kl. {time}"}).encode())
    wall = parsed.published_at.astimezone(COPENHAGEN).replace(tzinfo=None)
    expected = moment.replace(second=0, microsecond=0)
    # A wall time that does not exist (spring forward) is read one hour on; nothing else moves.
    assert wall - expected in {timedelta(0), timedelta(hours=1)}


# Field names


def test_field_names_in_other_case_are_the_fields() -> None:
    text = text_file().replace("title:", "Title:").replace("category:", "CATEGORY:")
    assert article(text.encode()) == TIDY


def test_a_field_given_twice_in_other_case_is_refused() -> None:
    text = text_file().replace("title:", "Title: Andet\ntitle:")
    [error] = errors_of(text.encode())
    assert error.field == "Title"
    assert error.message == "feltet `title` står to gange (også som 'Title'); slet den ene linje"


def test_danish_field_names_name_the_english_field() -> None:
    text = text_file().replace("title:", "Titel:").replace("author:", "forfatter:")
    errors = {e.field: e.message for e in errors_of(text.encode())}
    assert errors["Titel"] == "felternes navne er engelske: skriv `title` i stedet for 'Titel'"
    assert errors["forfatter"].startswith("felternes navne er engelske: skriv `author`")
    assert errors["title"] == errors["author"] == "feltet mangler; det skal altid være der"


def test_draft_with_a_danish_field_name_still_unpublishes() -> None:
    data = "---\nTitel: Halvfærdig\nStatus: Draft\n---\n".encode()
    source = parse_article_source(
        "articles/oe.md", data, received_at=RECEIVED, words_per_minute=200
    )
    assert source.status == "draft"


# File names


@pytest.mark.parametrize("key", ["articles/Ærø.md.txt", "articles/ærø.txt", "articles/Ærø.text"])
def test_text_extension_says_to_rename_to_md(key: str) -> None:
    [error] = errors_of(text_file().encode(), key)
    assert error.field == "file"
    assert "omdøb den, så den ender på .md" in error.message


@pytest.mark.parametrize("extension", [".docx", ".doc", ".odt", ".rtf", ".pages", ".html"])
def test_a_word_processor_file_says_to_save_as_plain_text(extension: str) -> None:
    """Renaming a Word document to .md would only get it refused as a ZIP file."""
    [error] = errors_of(b"PK\x03\x04", f"articles/Ærø{extension}")
    assert error.field == "file"
    assert f"endelsen {extension} og er et dokument, ikke en tekstfil" in error.message
    assert "gem artiklen som almindelig tekst" in error.message
    assert "omdøb" not in error.message
    [renamed] = errors_of(b"PK\x03\x04\x14\x00", "articles/Ærø.md")
    assert "ligner en ZIP-fil" in renamed.message


def test_decomposed_and_composed_file_names_give_one_slug() -> None:
    composed = article(text_file().encode(), "articles/Sø og Å.MD")
    decomposed = article(
        text_file().encode(), unicodedata.normalize("NFD", "articles/Sø og Å.markdown")
    )
    assert composed.slug == decomposed.slug == "soe-og-aa"


def test_offsets_from_yaml_timestamps_are_kept() -> None:
    parsed = article(text_file({**FIELDS, "published_at": "2026-12-03 10:00:00 +02:00"}).encode())
    assert parsed.published_at == datetime(2026, 12, 3, 10, tzinfo=timezone(timedelta(hours=2)))


# Tabs where Notepad users press Tab


def test_tabs_that_indent_or_line_up_values_are_spaces() -> None:
    text = (
        "---\ntitle:\tSmørrebrød på Ærø – “det gode liv”\ncategory:\t\tØkonomi\ntags:\n"
        "\t- Fællesskab\n\t-\tBørn\nauthor:\n\tfirst_name: Åse\n\tlast_name:\tØdegård\n"
        "published_at:\t2026-12-03T10:00:00+01:00\n---\n" + BODY
    )
    assert article(text.encode()) == TIDY


def test_a_tab_inside_a_title_is_still_refused() -> None:
    [error] = errors_of(text_file({**FIELDS, "title": "Smørrebrød\tpå Ærø"}).encode())
    assert error.field == "title"
    assert "uden linjeskift eller tabulator" in error.message


# Links and images that lead nowhere on the site


def test_links_and_images_that_cannot_work_publish_with_a_warning_each() -> None:
    body = (
        "Se ![kort](billeder/kort.jpg) og ![foto](C:\\Users\\asta\\foto.jpg) og "
        "![word](file:///C:/Users/asta/foto.jpg).\n\n[Kommunen](www.ballerup.dk), "
        "[skriv](asta@example.dk), [tidligere](/articles/gaardfest), [top](#top), "
        "[godt](https://ballerup.dk) og ![ok](https://example.dk/kort.jpg).\n"
    )
    source = parse_article_source(
        "articles/oe.md", text_file(body=body).encode(), received_at=RECEIVED, words_per_minute=200
    )
    assert source.article is not None
    messages = [w.message for w in source.warnings if w.field == "body"]
    assert messages == [
        "billedet 'file:///C:/Users/asta/foto.jpg' virker ikke på sitet; et billede skal ligge "
        "på nettet: skriv hele dets adresse, der begynder med https://, ikke en sti til en fil "
        "på din computer eller ved siden af artiklen",
        "billedet 'billeder/kort.jpg' virker ikke på sitet; et billede skal ligge på nettet: "
        "skriv hele dets adresse, der begynder med https://, ikke en sti til en fil på din "
        "computer eller ved siden af artiklen",
        "billedet 'C:\\Users\\asta\\foto.jpg' virker ikke på sitet; et billede skal ligge på "
        "nettet: skriv hele dets adresse, der begynder med https://, ikke en sti til en fil på "
        "din computer eller ved siden af artiklen",
        "linket 'www.ballerup.dk' virker ikke på sitet; skriv hele adressen: "
        "https://www.ballerup.dk",
        "linket 'asta@example.dk' virker ikke på sitet; skriv mailto:asta@example.dk, hvis det "
        "er en e-mailadresse",
    ]
    assert 'href="/articles/gaardfest"' in source.article.body_html


@given(st.lists(st.sampled_from(["a.jpg", "www.x.dk", "x@y.dk", "../b.png"]), max_size=30))
@settings(max_examples=30)
def test_address_warnings_are_few_however_many_mistakes(targets: list[str]) -> None:
    body = "Tekst.\n\n" + " ".join(f"[l{i}]({t})" for i, t in enumerate(targets)) + "\n"
    source = parse_article_source(
        "articles/oe.md", text_file(body=body).encode(), received_at=RECEIVED, words_per_minute=200
    )
    assert len([w for w in source.warnings if w.field == "body"]) == min(len(targets), 5)


# Autocorrection: Word and phones turn `---` into a dash and " into “ ”


@pytest.mark.parametrize("dash", ["—", "–"])
def test_front_matter_between_autocorrected_dashes_is_read(dash: str) -> None:
    text = text_file().replace("---\n", f"{dash}\n", 1)
    assert article(text.encode()) == TIDY
    closing_too = dash + text.removeprefix(dash).replace("\n---\n", f"\n{dash}\n", 1)
    assert article(closing_too.encode()) == TIDY


def test_a_dash_line_in_the_body_stays_in_the_body() -> None:
    parsed = article(text_file(body="Første scene.\n\n—\n\nAnden scene.\n").encode())
    assert "—" in parsed.body_html and "Anden scene" in parsed.body_html


def test_non_breaking_space_after_the_colon_is_a_space() -> None:
    text = text_file().replace("title: ", "title:\u00a0").replace("category: ", "category:\u00a0")
    assert article(text.encode()) == TIDY


@pytest.mark.parametrize("value", ["!0", "'a", "&anker", "[liste]", "#1 i Ballerup"])
def test_a_value_that_begins_with_a_non_breaking_space_keeps_its_meaning(value: str) -> None:
    """YAML's own output: after the colon's space the non-breaking space is the value's first
    character (stripped from the field), not a space that makes what follows YAML syntax."""
    text = text_file({**FIELDS, "title": "\u00a0" + value})
    assert "title: \u00a0" in text  # written unquoted, as a YAML writer does
    assert article(text.encode()).title == value


def test_smart_quotes_that_break_yaml_are_named() -> None:
    text = text_file().replace("title: ", "title: “Ballerup: nyt torv” ")
    [error] = errors_of(text.encode())
    assert error.field == "front_matter"
    assert error.message.startswith("Linje 2: ugyldig YAML: et kolon midt i en tekst")
    assert "Anførselstegnene på linjen er “ ”" in error.message


def test_pasted_bullets_are_a_list() -> None:
    body = "Det skal du have med:\n\n• madpakke\n●\tgummistøvler\n\n  ▪ regntøj\n"
    parsed = article(text_file(body=body).encode())
    assert parsed.body_html.count("<li>") == 3
    assert "•" not in parsed.body_html and "gummistøvler" in parsed.body_html


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_unicode_line_separators_are_line_breaks(separator: str) -> None:
    data = text_file({**FIELDS, "title": f"Smørrebrød{separator}på Ærø"}).encode()
    [error] = errors_of(data)
    assert (error.field, error.message) == (
        "title",
        "skal stå på én linje (uden linjeskift eller tabulator)",
    )
    summary = f"Første linje.{separator}Anden linje."
    source = article(text_file({**FIELDS, "summary": summary}).encode())
    assert source.summary == "Første linje.\nAnden linje."


# Hashtags: YAML reads ` #` as the start of a comment


def test_text_lost_to_a_yaml_comment_is_named_in_a_warning() -> None:
    text = (
        text_file()
        .replace("title: ", "title: Vi vandt #1 ")
        .replace("tags:\n- Fællesskab\n- Børn\n", "tags: #fællesskab #børn\n")
    )
    source = parse_article_source(
        "articles/oe.md", text.encode(), received_at=RECEIVED, words_per_minute=200
    )
    assert source.article is not None and source.article.tags == []
    assert [(w.field, w.message.split(" kom ikke med")[0]) for w in source.warnings] == [
        ("title", "linje 2: '#1 Smørrebrød på Ærø – “det gode liv”'"),
        ("tags", "linje 4: '#fællesskab #børn'"),
    ]
    assert 'sæt teksten i anførselstegn, hvis # skal med (fx title: "Vi vandt #1")' in (
        source.warnings[0].message
    )


def test_quoted_hashes_block_text_and_whole_line_comments_warn_nothing() -> None:
    text = text_file({**FIELDS, "title": "Vi vandt #1"}).replace(
        "---\n", "---\n# en kommentar til redaktionen\nsummary: |\n  Linje #1\n  Linje #2\n", 1
    )
    assert "'Vi vandt #1'" in text
    source = parse_article_source(
        "articles/oe.md", text.encode(), received_at=RECEIVED, words_per_minute=200
    )
    assert source.article is not None and source.article.title == "Vi vandt #1"
    assert source.warnings == ()


def test_blank_lines_before_the_front_matter_are_skipped_and_lines_still_counted() -> None:
    assert article(("\n \r\n" + text_file()).encode()) == TIDY
    [error] = errors_of(b"\n\n---\ntitle: [Nyt\n---\nTekst\n")
    assert error.message.startswith("Linje 4: ugyldig YAML: listen der begynder her")


def test_a_file_almost_all_blank_lines_is_read_in_one_pass() -> None:
    """Nearly 1 MB of blank lines before the fence (cut off one by one, each cut copied the
    rest of the file: 15 s, past the publish timeout) still names the right line."""
    blank = 450_000
    [error] = errors_of(b" \n" * blank + b"---\ntitle: [Nyt\n---\nTekst\n")
    assert error.message.startswith(f"Linje {blank + 2}: ugyldig YAML")
    assert article(b"\n" * blank + text_file().encode()) == TIDY


def test_toml_front_matter_says_to_use_yaml() -> None:
    [error] = errors_of(b'+++\ntitle = "Nyt"\n+++\nTekst\n')
    assert error.field == "front_matter"
    assert "skriv '---' i stedet for '+++'" in error.message


def test_a_field_name_with_an_invisible_character_is_the_field() -> None:
    text = text_file().replace("title:", "\u200btitle\u00ad:")
    assert article(text.encode()) == TIDY


@pytest.mark.parametrize(("typed", "meant"), [("Kladde", "draft"), (" udgivet ", "published")])
def test_status_in_danish(typed: str, meant: str) -> None:
    source = parse_article_source(
        "articles/oe.md",
        text_file({**FIELDS, "status": typed}).encode(),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert source.status == meant


def test_pasted_html_is_shown_as_text_with_a_warning() -> None:
    embed = '<iframe width="560" src="https://www.youtube.com/embed/x" onload="x()"></iframe>'
    source = parse_article_source(
        "articles/oe.md",
        text_file(body=f"Se videoen:\n\n{embed}\n\nHej <script>alert(1)</script>\n").encode(),
        received_at=RECEIVED,
        words_per_minute=200,
    )
    assert source.article is not None
    assert "<iframe" not in source.article.body_html and "<script" not in source.article.body_html
    assert "&lt;iframe" in source.article.body_html
    [warning] = source.warnings
    assert warning.field == "body"
    assert warning.message.startswith('HTML som \'<iframe width="560" src="https://www.youtube')
    assert "vises som tekst på sitet og bliver ikke udført" in warning.message


def test_html_in_code_or_comparisons_warns_nothing() -> None:
    body = "Skriv `<div>` i koden, og husk at 3 < 5 > 2.\n\n    <p>kodeblok</p>\n"
    source = parse_article_source(
        "articles/oe.md", text_file(body=body).encode(), received_at=RECEIVED, words_per_minute=200
    )
    assert source.warnings == ()


# All of it at once


@given(
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1252"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    decomposed=st.booleans(),
    capitalised=st.booleans(),
    tabbed=st.booleans(),
    fence=st.sampled_from(["---", "—", "–"]),
    blank_lines=st.integers(0, 2),
    invisible=st.sampled_from(["", "\u00ad", "\ufeff", "\u200b"]),
    danish_date=st.booleans(),
)
@settings(max_examples=120)
def test_any_mix_of_sloppy_habits_publishes_the_tidy_article(
    encoding: str,
    newline: str,
    decomposed: bool,
    capitalised: bool,
    tabbed: bool,
    fence: str,
    blank_lines: int,
    invisible: str,
    danish_date: bool,
) -> None:
    text = text_file()
    if danish_date:
        text = text.replace("'2026-12-03T10:00:00+01:00'", "3. december 2026 kl. 10.00")
    if invisible:
        text = text.replace("Økonomi", f"Øko{invisible}nomi")
        text = text.replace("- Børn", f"- Bør{invisible}n")
    if capitalised:
        text = text.replace("title:", "Title:").replace("author:", "AUTHOR:")
    if tabbed:
        text = text.replace("category: ", "category:\t").replace("\n- ", "\n\t- ")
    if decomposed:
        text = unicodedata.normalize("NFD", text)
    if fence != "---":
        text = text.replace("---\n", f"{fence}\n", 1)
    text = "\n" * blank_lines + text
    text = text.replace("\n", newline)
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    elif encoding == "cp1252" and (decomposed or invisible not in {"", "\u00ad"}):
        data = text.encode("utf-8")  # a decomposed å or a zero-width space has no cp1252 form
    else:
        data = text.encode(encoding)
    assert article(data) == TIDY
