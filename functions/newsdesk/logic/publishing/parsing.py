"""Editors' source files → validated domain objects, or field-level errors in Danish.

An article is `articles/<name>.md` (YAML front matter between `---` lines, then Markdown) or
`articles/<name>.json` (the same keys, the Markdown in `body`). An e-book is `ebooks/<id>.md`.
Everything here is pure: bytes in, models (with warnings) or a ContentError out. Reading the
bytes (size, file type, YAML/JSON with bounded depth) is `loading`; this module validates.
Texts are stripped, then validated; field names in errors stay the English keys.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from newsdesk.labels import normalize_label, slugify
from newsdesk.logic.publishing.loading import (
    MAX_SOURCE_BYTES,
    ContentError,
    FieldError,
    decode_text,
    front_matter_parts,
    load_front_matter,
    load_json_object,
    lost_to_comments,
    read_text,
    refuse,
    split_front_matter,
)
from newsdesk.logic.publishing.rendering import (
    MAX_RENDER_COST,
    RenderedBody,
    TooMuchHtml,
    minutes_for,
    render_body,
    render_cost,
)
from newsdesk.models import Article, Author, Ebook
from newsdesk.normal_form import nfc

__all__ = [
    "ARTICLE_EXTENSIONS",
    "MARKDOWN_EXTENSIONS",
    "MAX_BODY_HTML_BYTES",
    "MAX_SOURCE_BYTES",
    "ArticleSource",
    "ContentError",
    "FieldError",
    "ebook_id_of",
    "parse_article",
    "parse_article_source",
    "parse_ebook",
    "split_front_matter",
    "split_key",
]

MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
ARTICLE_EXTENSIONS = MARKDOWN_EXTENSIONS | {".json"}
# The META item must stay below DynamoDB's 400 KB item limit with room for the teaser fields.
MAX_BODY_HTML_BYTES = 350_000
MAX_TAGS = 20
# Related articles an editor may pin (front matter `related`): the box shows four.
MAX_PINNED = 4
# Dates and times given without an offset are the magazine's local time.
NEWSROOM_ZONE = ZoneInfo("Europe/Copenhagen")
_TIME_HINT = (
    "skriv en dato (2026-11-20, 20-11-2026 eller 20. november 2026) eller en dato og et "
    "klokkeslæt (2026-11-20 08:00 eller 2026-11-20T08:00:00+01:00)"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januar", "jan"), ("februar", "feb"), ("marts", "mar"), ("april", "apr"),
            ("maj",), ("juni", "jun"), ("juli", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("oktober", "okt"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
# How Danes write a moment: "3. december 2026", "03-12-2026", "3/12/2026", "03.12.2026", each
# optionally followed by a time ("10:00", "kl. 10.00", "kl. 10") and an offset ("+01:00", "Z");
# and ISO dates with the Danish dot in the time ("2026-12-03 10.00"). Day before month, always.
_CLOCK = (
    r"(?:[ T,]+(?:kl\.?\s*)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?)?"
    r"\s*(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_DAY = r"(?:d\.?\s*)?(?P<day>\d{1,2})"  # "d. 3. december 2026"
_DANISH_DATES = (
    re.compile(_DAY + r"[-./](?P<month>\d{1,2})[-./](?P<year>\d{4})" + _CLOCK, re.I),
    re.compile(_DAY + r"\.?\s*(?P<name>[a-zæøå]+)\.?\s+(?P<year>\d{4})" + _CLOCK, re.I),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _CLOCK, re.I),
)
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional formatting
# characters that can make a title read differently from what it is (Trojan Source).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Invisible characters Word, Google Docs and web pages leave in copied text: soft hyphen, zero
# width space, word joiner, byte order mark. They never mean anything in a field, but would make
# "Bo\u00adlig" a label of its own and "\ufeffTitel" sort and compare apart; they are removed.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b\u2060\ufeff]")
# Word's and Google Docs' list bullets, pasted as text: the Markdown list the editor meant.
_BULLET = re.compile("^([ \t]*)[•●▪◦‣⁃∙][ \t\u00a0]+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ArticleSource:
    """What an article upload asks for: publish `article`, or (status draft) unpublish.

    `warnings` are things that publish but are probably mistakes.
    """

    status: Literal["published", "draft"]
    article: Article | None = None
    ebook_id: str | None = None
    warnings: tuple[FieldError, ...] = field(default_factory=tuple)
    # Slugs the editors pinned as related (front matter `related`), in their order.
    pins: tuple[str, ...] = ()


def split_key(key: str) -> tuple[str, str]:
    """`articles/Min fil.md` → ("Min fil", ".md"): the file name without folders, extension."""
    stem, extension = posixpath.splitext(posixpath.basename(key))
    return stem, extension.lower()


def _clean_text(value: object, *, max_length: int, multiline: bool) -> str:
    """Stripped, non-empty text without control characters (numbers are read as text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is None:  # `category:` with nothing after it
        raise ValueError("må ikke være tom")
    if not isinstance(value, str):
        raise ValueError("skal være en tekst")
    # U+2028/2029 (copied from PDFs and web pages) are the line breaks they look like.
    text = nfc(value).replace("\u2028", "\n").replace("\u2029", "\n")
    text = _INVISIBLE.sub("", text).strip()
    if not text:
        raise ValueError("må ikke være tom")
    control = _CONTROL.search(text) or (None if multiline else re.search("[\t\n]", text))
    if control is not None:
        if not multiline and control.group() in "\t\n":
            raise ValueError("skal stå på én linje (uden linjeskift eller tabulator)")
        raise ValueError(
            f"indeholder et usynligt styretegn (U+{ord(control.group()):04X}) ved tegn "
            f"{control.start() + 1}; skriv teksten ind igen uden at kopiere det med"
        )
    if len(text) > max_length:
        raise ValueError(f"er for lang: højst {max_length} tegn (den har {len(text)})")
    return text


def _text(max_length: int, *, multiline: bool = False) -> BeforeValidator:
    def clean(value: object) -> str:
        return _clean_text(value, max_length=max_length, multiline=multiline)

    return BeforeValidator(clean)


def _label(value: object) -> str:
    """A category or tag as one label: inner whitespace (also non-breaking spaces) is one
    space, so "Grønne\u00a0områder" is shown as the "Grønne områder" it is counted under."""
    return " ".join(_clean_text(value, max_length=60, multiline=False).split())


Label = Annotated[str, BeforeValidator(_label)]
Line = Annotated[str, _text(200)]
LongLine = Annotated[str, _text(300)]
Paragraph = Annotated[str, _text(2000, multiline=True)]


def _tag_list(value: object) -> object:
    """Tags as a list, or as one comma-separated string (`tags:` with nothing is none);
    too many is one problem, found before each tag is checked (300,000 blank tags made
    300,000 errors: 670 MB, over the function's memory)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if value is not None and not isinstance(value, list):
        raise ValueError("skal være en liste, fx [Fællesskab, Ballerup]")
    if value is not None and len(value) > MAX_TAGS:
        raise ValueError(f"er for lang: højst {MAX_TAGS} punkter (der er {len(value)})")
    return value


def _unique_tags(tags: list[str]) -> list[str]:
    """Drop repeats that differ only in case or spacing (they are the same list entry)."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(normalize_label(tag), " ".join(tag.split()))
    return list(seen.values())


def _name_part(value: object, part: str) -> str:
    try:
        return _clean_text(value, max_length=100, multiline=False)
    except ValueError as error:
        raise ValueError(f"author.{part} {error}") from None


def _author(value: object) -> Author:
    """Turn "First Last" or {first_name, last_name} into an Author, in words editors read."""
    if isinstance(value, str):
        name = " ".join(_clean_text(value, max_length=100, multiline=False).split())
        return Author.from_name(name)
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in {"first_name", "last_name"})
        if unknown:
            raise ValueError(f"ukendt felt {', '.join(unknown)}; brug first_name og last_name")
        first = _name_part(value.get("first_name"), "first_name")
        last = _name_part(value.get("last_name"), "last_name")
        if len(first) + len(last) > 100:
            raise ValueError("navnet er for langt: højst 100 tegn")
        return Author.from_parts(first, last)
    raise ValueError(
        'skriv forfatteren som "Fornavn Efternavn" eller {first_name: …, last_name: …}'
    )


# The status as Danish editors say it.
_DANISH_STATUS = {
    "kladde": "draft",
    "udkast": "draft",
    "udgivet": "published",
    "udgiv": "published",
}


def _status(value: object) -> object:
    """`Draft`, ` published ` and `kladde` mean what they say."""
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    return _DANISH_STATUS.get(word, word)


def _aware_time(value: object) -> datetime:
    """ISO 8601 only; a date or a time without offset is newsroom time (Copenhagen).

    YAML reads `2026-11-20` as a date and `2026-11-20 08:00` as a naive datetime; a number
    (`1700000000`) is no date an editor writes, so it is refused rather than read as epoch.
    """
    if isinstance(value, str):
        value = _moment_text(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=NEWSROOM_ZONE)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(), NEWSROOM_ZONE)
    else:
        raise ValueError(f"er ikke en dato: {_TIME_HINT}")
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not 1900 <= year <= 2999:
        raise ValueError("datoen skal ligge mellem år 1900 og 2999")
    return moment


def _moment_text(text: str) -> datetime:
    """ISO 8601, or a date (and time) as a Dane types it; ValueError in Danish otherwise."""
    text = " ".join(text.split())
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _DANISH_DATES:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        month = _MONTHS.get(parts["name"].lower()) if parts.get("name") else int(parts["month"])
        offset = parts["offset"] or ""
        if len(offset) == 3:  # "+01"
            offset += ":00"
        try:
            moment = datetime(
                int(parts["year"]),
                month or 0,
                int(parts["day"]),
                int(parts["hour"] or 0),
                int(parts["minute"] or 0),
                int(parts["second"] or 0),
            )
            return datetime.fromisoformat(moment.isoformat() + offset) if offset else moment
        except ValueError:
            break
    raise ValueError(f"er ikke en dato: {_TIME_HINT}")


def _plain_int(value: object) -> object:
    """`reading_minutes: 7` only: not `true`, `7.5` or `"7"` (those are typos)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("skal være et helt tal, fx 7")
    return value


class ArticleFields(BaseModel):
    """The keys an article may have (front matter or JSON); anything else is a typo."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Line
    subtitle: LongLine | None = None
    summary: Paragraph | None = None
    category: Label
    tags: Annotated[list[Label], BeforeValidator(_tag_list), Field(max_length=MAX_TAGS)] = []
    author: Annotated[Author, BeforeValidator(_author)]
    published_at: Annotated[AwareDatetime, BeforeValidator(_aware_time)] | None = None
    slug: Line | None = None
    reading_minutes: Annotated[int, BeforeValidator(_plain_int), Field(ge=1, le=600)] | None = None
    status: Annotated[Literal["published", "draft"], BeforeValidator(_status)] = "published"
    ebook: Line | None = None
    # Pinned related articles: validated where they are used (related pins), passed by here.
    related: Any = None
    body: Annotated[str, Field(max_length=MAX_SOURCE_BYTES)]


class EbookFields(BaseModel):
    """The front matter of `ebooks/<id>.md`; the Markdown after it is not published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Line
    description: Paragraph
    cta_label: Label = "Tag e-bogen"


def _field(location: tuple[int | str, ...]) -> str:
    """Pydantic's location ("tags", 2) as an editor reads it: `tags[2]`."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "file"


# pydantic's error types → Danish (the `value_error`s are ours and already Danish).
_DANISH: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda _: "feltet mangler; det skal altid være der",
    "string_type": lambda _: "skal være en tekst",
    "list_type": lambda _: "skal være en liste, fx [Fællesskab, Ballerup]",
    "int_type": lambda _: "skal være et helt tal",
    "greater_than_equal": lambda ctx: f"skal være mindst {ctx.get('ge')}",
    "less_than_equal": lambda ctx: f"må højst være {ctx.get('le')}",
    "literal_error": lambda ctx: f"skal være {ctx.get('expected', '')}".replace("'", "").replace(
        " or ", " eller "
    ),
    "timezone_aware": lambda _: _TIME_HINT,
}


def _danish(detail: Any, known: list[str]) -> str:
    kind = detail["type"]
    context = detail.get("ctx", {})
    if kind == "value_error":
        return str(detail["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return _unknown(str(detail["loc"][-1]), known)
    if kind in {"too_long", "string_too_long"}:
        limit = context.get("max_length")
        unit = "tegn" if isinstance(detail.get("input"), str) else "punkter"
        return f"er for lang: højst {limit} {unit}"
    translate = _DANISH.get(kind)
    return translate(context) if translate else "ugyldig værdi"


def _validated[M: BaseModel](model: type[M], mapping: dict[str, Any], hidden: set[str]) -> M:
    try:
        return model.model_validate(mapping)
    except ValidationError as error:
        known = [name for name in model.model_fields if name not in hidden]
        raise ContentError(
            [
                FieldError(_field(detail["loc"]), _danish(detail, known))
                for detail in error.errors(include_url=False)
            ]
        ) from error


# Danish names editors give fields → the field they mean (named in the refusal, not guessed).
_DANISH_FIELDS = {
    "titel": "title", "overskrift": "title", "rubrik": "title", "undertitel": "subtitle",
    "underrubrik": "subtitle", "resume": "summary", "resumé": "summary", "manchet": "summary",
    "kategori": "category", "emner": "tags", "emneord": "tags", "nøgleord": "tags",
    "forfatter": "author", "skribent": "author", "journalist": "author", "dato": "published_at",
    "udgivet": "published_at", "udgivelsesdato": "published_at", "tidspunkt": "published_at",
    "læsetid": "reading_minutes", "e-bog": "ebook", "ebog": "ebook", "relaterede": "related",
    "relateret": "related", "beskrivelse": "description",
}  # fmt: skip


def _folded(name: str) -> str:
    return _INVISIBLE.sub("", nfc(name)).strip().casefold()


def _canonical_keys(mapping: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """`Title:` and ` title` are `title`. A name that is a field's only when folded, and
    whose field is given already, stays as it is: validation refuses it (see `_unknown`)."""
    canonical: dict[str, Any] = {}
    for name, value in sorted(mapping.items(), key=lambda item: item[0] not in known):
        folded = _folded(name)
        field = folded if folded in known and folded not in canonical else name
        canonical[field] = value
    return canonical


def _unknown(name: str, known: list[str]) -> str:
    """Why a field name is refused: a repeat in other letters, a Danish name, or a typo."""
    folded = _folded(name)
    if folded in known:
        return f"feltet `{folded}` står to gange (også som '{name}'); slet den ene linje"
    meant = _DANISH_FIELDS.get(folded)
    if meant in known:
        return f"felternes navne er engelske: skriv `{meant}` i stedet for '{name}'"
    return f"ukendt felt (tjek stavningen); de kendte felter er {', '.join(known)}"


def load_article_mapping(key: str, data: bytes) -> tuple[dict[str, Any], list[FieldError]]:
    """The raw keys of an article upload (front matter plus `body`), before validation, and
    warnings about how the file was read."""
    _, extension = split_key(key)
    if extension not in ARTICLE_EXTENSIONS:
        raise refuse(
            "file",
            "En artikel skal være en Markdown-fil (.md eller .markdown) eller en JSON-fil (.json)."
            + _RENAME_TXT.get(extension, ""),
        )
    read = read_text(data)
    known = frozenset(ArticleFields.model_fields)
    if extension == ".json":
        return _canonical_keys(load_json_object(read.text), known), list(read.warnings)
    front, body, first_line = front_matter_parts(read.text)
    mapping = _canonical_keys(load_front_matter(front, first_line=first_line), known)
    if "body" in mapping:
        raise refuse(
            "body", "I en .md-fil er brødteksten det, der står efter den afsluttende '---'."
        )
    lost = lost_to_comments(front, first_line=first_line)
    return mapping | {"body": body}, [*read.warnings, *lost]


# Extensions text editors give a Markdown file (Notepad saves `artikel.md` as `artikel.md.txt`):
# renaming is the fix. A word processor's or web page's file is no text file under another
# name (a renamed .docx is refused as a ZIP file): it has to be saved as plain text first.
_RENAME_TXT = {
    **{
        extension: f" Filen har endelsen {extension}: omdøb den, så den ender på .md (i Windows "
        "kan du se hele filnavnet ved at slå 'Filtypenavne' til under 'Vis' i Stifinder)."
        for extension in (".txt", ".text")
    },
    **{
        extension: f" Filen har endelsen {extension} og er et dokument, ikke en tekstfil: gem "
        "artiklen som almindelig tekst (i Word: Filer > Gem som, filtypen 'Almindelig tekst' "
        "og tegnkodningen UTF-8), og giv filen endelsen .md."
        for extension in (".rtf", ".docx", ".doc", ".odt", ".pages", ".html", ".htm")
    },
}


def _slug(key: str, given: str | None) -> tuple[str, list[FieldError]]:
    """Slug from the front matter, else from the file name, by the Danish slug rules; and a
    warning when a given slug had to be changed to be one."""
    if given is not None:
        slug = slugify(given)
        if not slug:
            raise refuse("slug", "slug'en har ingen bogstaver eller tal")
        if slug != given:
            changed = f"'{given}' er ikke en gyldig slug; adressen blev '{slug}'"
            return slug, [FieldError("slug", changed)]
        return slug, []
    slug = slugify(split_key(key)[0])
    if not slug:
        raise refuse(
            "slug", "filnavnet giver ingen slug (ingen bogstaver eller tal); sæt `slug` i filen"
        )
    return slug, []


def _reading_warning(given: int | None, computed: int) -> list[FieldError]:
    """`reading_minutes` far from what the text needs is probably a leftover or a typo."""
    if given is None or abs(given - computed) <= max(3, computed // 2):
        return []
    return [
        FieldError(
            "reading_minutes",
            f"{given} minutter passer ikke til teksten, som tager omkring {computed} "
            "minutter at læse; slet feltet for at få den beregnede læsetid",
        )
    ]


def _render(body: str) -> RenderedBody:
    """The body rendered, or a `body` error before any expensive work."""
    if not body.strip():
        raise refuse(
            "body",
            "artiklen har ingen brødtekst; skriv teksten efter linjen med den afsluttende "
            "'---' (i en .json-fil i feltet body)",
        )
    if render_cost(body) > MAX_RENDER_COST:
        raise refuse(
            "body",
            "brødteksten er for tung at vise: den har usædvanligt mange linjer, klammer [ ], "
            "tabelceller eller formateringstegn (* _ ` ~). Del artiklen op i flere, eller "
            "fjern gentagne tegn",
        )
    try:
        rendered = render_body(body, max_html_bytes=MAX_BODY_HTML_BYTES)
    except TooMuchHtml as error:
        links = (
            " (et link, der bruges via en henvisning som [navn], fylder med hver gang det bruges)"
            if error.in_links
            else ""
        )
        raise refuse(
            "body",
            f"brødteksten er for stor: {error.size // 1000} KB HTML, grænsen er "
            f"{MAX_BODY_HTML_BYTES // 1000} KB; del den op i flere artikler{links}",
        ) from error
    return rendered


# Links and images named in warnings: the first few are enough to find the mistake.
MAX_ADDRESS_WARNINGS = 5


def _address_warnings(broken: tuple[tuple[str, str], ...]) -> list[FieldError]:
    """Links and images that lead nowhere on the site, with the fix an editor can make."""
    warnings: list[FieldError] = []
    for kind, target in broken[:MAX_ADDRESS_WARNINGS]:
        shown = unquote(target)[:200]
        if "@" in shown and ":" not in shown:
            fix = f"skriv mailto:{shown}, hvis det er en e-mailadresse"
        elif shown.lower().startswith("www."):
            fix = f"skriv hele adressen: https://{shown}"
        elif kind == "image":
            fix = (
                "et billede skal ligge på nettet: skriv hele dets adresse, der begynder med "
                "https://, ikke en sti til en fil på din computer eller ved siden af artiklen"
            )
        else:
            fix = "skriv hele adressen, der begynder med https://"
        what = "billedet" if kind == "image" else "linket"
        warnings.append(FieldError("body", f"{what} '{shown}' virker ikke på sitet; {fix}"))
    return warnings


def _article(
    key: str,
    mapping: dict[str, Any],
    *,
    received_at: datetime,
    words_per_minute: int,
    notes: list[FieldError] | None = None,
) -> ArticleSource:
    fields = _validated(ArticleFields, mapping, hidden={"body"} if "body" in mapping else set())
    slug, warnings = _slug(key, fields.slug)
    warnings = [*(notes or []), *warnings]
    ebook_id = None
    if fields.ebook is not None:
        ebook_id = slugify(fields.ebook)
        if not ebook_id:
            raise refuse("ebook", "e-bogens id har ingen bogstaver eller tal")
    pins = _pins(fields.related, slug)
    rendered = _render(_BULLET.sub(r"\1- ", nfc(fields.body)))
    body_html, words = rendered.html, rendered.words
    warnings += _address_warnings(rendered.broken)
    if rendered.raw_html is not None:
        tag = rendered.raw_html if len(rendered.raw_html) <= 60 else rendered.raw_html[:57] + "…"
        warnings.append(
            FieldError(
                "body",
                f"HTML som '{tag}' vises som tekst på sitet og bliver ikke udført (fx "
                "indlejrede videoer og kort); fjern den, eller skriv et link til indholdet",
            )
        )
    computed = minutes_for(words, words_per_minute)
    warnings += _reading_warning(fields.reading_minutes, computed)
    article = Article(
        slug=slug,
        title=fields.title,
        subtitle=fields.subtitle,
        summary=fields.summary,
        category=fields.category,
        tags=_unique_tags(fields.tags),
        author=fields.author,
        reading_minutes=fields.reading_minutes or computed,
        published_at=fields.published_at or received_at,
        body_html=body_html,
        updated_at=received_at,
    )
    return ArticleSource(
        status=fields.status,
        article=article,
        ebook_id=ebook_id,
        warnings=tuple(warnings),
        pins=pins,
    )


def _pins(given: object, slug: str) -> tuple[str, ...]:
    """Pinned related slugs (a list, or one comma-separated text) by the slug rules, in order,
    without repeats; the article itself or more than MAX_PINNED is refused."""
    if given is None:
        return ()
    if isinstance(given, str):
        given = [part for part in given.split(",") if part.strip()]
    if not isinstance(given, list):
        raise refuse("related", "skriv en liste med op til 4 artiklers slug, fx [gaardfest]")
    if len(given) > MAX_PINNED:
        raise refuse("related", f"højst {MAX_PINNED} relaterede artikler; der er {len(given)}")
    pins: list[str] = []
    for index, text in enumerate(given):
        pin = slugify(str(text)) if isinstance(text, str | int) else ""
        if not pin:
            raise refuse(f"related[{index}]", "et slug skal have bogstaver eller tal")
        if pin == slug:
            raise refuse(f"related[{index}]", "en artikel kan ikke være relateret til sig selv")
        if pin not in pins:
            pins.append(pin)
    return tuple(pins)


def parse_article_source(
    key: str, data: bytes, *, received_at: datetime, words_per_minute: int
) -> ArticleSource:
    """What an article upload asks for; `status: draft` unpublishes even if unfinished."""
    mapping, notes = load_article_mapping(key, data)
    if _status(mapping.get("status")) == "draft":
        return ArticleSource(status="draft")
    return _article(
        key, mapping, received_at=received_at, words_per_minute=words_per_minute, notes=notes
    )


def parse_draft(
    key: str, data: bytes, *, received_at: datetime, words_per_minute: int
) -> ArticleSource:
    """A draft rendered as it would be published (its preview), or ContentError."""
    mapping, _ = load_article_mapping(key, data)
    source = _article(key, mapping, received_at=received_at, words_per_minute=words_per_minute)
    return ArticleSource(status="draft", article=source.article, ebook_id=source.ebook_id)


def parse_article(
    key: str, data: bytes, *, received_at: datetime, words_per_minute: int
) -> Article:
    """The Article an upload describes (whatever its status), or ContentError.

    `received_at` is the default `published_at` and the `updated_at`.
    """
    mapping, _ = load_article_mapping(key, data)
    source = _article(key, mapping, received_at=received_at, words_per_minute=words_per_minute)
    assert source.article is not None  # _article always builds one
    return source.article


def ebook_id_of(key: str) -> str:
    """`ebooks/<id>.md` and `ebooks/<id>.pdf` → the e-book id by the slug rules ("" if none)."""
    return slugify(split_key(key)[0])


def parse_ebook(key: str, data: bytes) -> Ebook:
    """The Ebook an `ebooks/<id>.md` upload describes, or ContentError."""
    ebook_id = ebook_id_of(key)
    if not ebook_id:
        raise refuse("file", "filnavnet giver intet e-bogs-id (ingen bogstaver eller tal)")
    if split_key(key)[1] not in MARKDOWN_EXTENSIONS:
        raise refuse("file", "en e-bog beskrives af en .md-fil ved siden af dens .pdf")
    mapping, _ = split_front_matter(decode_text(data))
    mapping = _canonical_keys(mapping, frozenset(EbookFields.model_fields))
    fields = _validated(EbookFields, mapping, hidden=set())
    return Ebook(id=ebook_id, **fields.model_dump())
