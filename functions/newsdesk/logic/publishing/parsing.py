"""Editors' source files → validated domain objects, or field-level errors.

An article is `articles/<name>.md` (YAML front matter between `---` lines, then Markdown) or
`articles/<name>.json` (the same keys, the Markdown in `body`). An e-book is `ebooks/<id>.md`.
Everything here is pure: bytes in, models or a ContentError out.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from newsdesk.labels import normalize_label, slugify
from newsdesk.logic.publishing.rendering import reading_minutes, render_markdown
from newsdesk.models import Article, Author, Ebook

MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})
ARTICLE_EXTENSIONS = MARKDOWN_EXTENSIONS | {".json"}
MAX_SOURCE_BYTES = 1_000_000
# The META item must stay below DynamoDB's 400 KB item limit with room for the teaser fields.
MAX_BODY_HTML_BYTES = 350_000
MAX_TAGS = 20
# Related articles an editor may pin (front matter `related`): the box shows four.
MAX_PINNED = 4
_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
_UTF8_BOM = b"\xef\xbb\xbf"
_TIME_HINT = "give a date and time with a time zone offset, e.g. 2026-11-20T08:00:00+01:00"
# Dates and times given without an offset are the magazine's local time.
NEWSROOM_ZONE = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with an upload: the front matter field (or `file`, `body`) and why."""

    field: str
    message: str


class ContentError(ValueError):
    """The upload cannot be published as it is; `errors` says where and why (no retry helps)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _refuse(field: str, message: str) -> ContentError:
    return ContentError([FieldError(field, message)])


@dataclass(frozen=True, slots=True)
class ArticleSource:
    """What an article upload asks for: publish `article`, or (status draft) unpublish."""

    status: Literal["published", "draft"]
    article: Article | None = None
    ebook_id: str | None = None
    # Slugs the editors pinned as related (front matter `related`), in their order.
    pins: tuple[str, ...] = ()


def split_key(key: str) -> tuple[str, str]:
    """`articles/Min fil.md` → ("Min fil", ".md"): the file name without folders, extension."""
    stem, extension = posixpath.splitext(posixpath.basename(key))
    return stem, extension.lower()


def decode_text(data: bytes) -> str:
    """UTF-8 text (a BOM tolerated); any other encoding is refused with a clear message."""
    if len(data) > MAX_SOURCE_BYTES:
        raise _refuse(
            "file", f"the file is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES} bytes"
        )
    for bom, name in _BOMS.items():
        if data.startswith(bom):
            raise _refuse("file", f"the file is {name}-encoded; save it as UTF-8")
    data = data.removeprefix(_UTF8_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refuse(
            "file",
            f"the file is not valid UTF-8 (byte {error.start}); save it as UTF-8, "
            "not Latin-1/Windows-1252",
        ) from error
    if "\x00" in text:
        raise _refuse("file", "the file contains NUL characters; it is not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader without aliases: an editor never needs them, and they allow memory bombs."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"YAML aliases (*name) are not allowed (line {mark.line + 1})")
        return super().compose_node(parent, index)


def _yaml_mapping(text: str, *, line_offset: int) -> dict[str, Any]:
    """The front matter as a mapping with string keys, or a `front_matter` error."""
    try:
        loaded = yaml.load(text, Loader=_FrontMatterLoader)  # noqa: S506 - safe loader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1 + line_offset}" if mark else ""
        raise _refuse("front_matter", f"invalid YAML{where}: {error.problem}") from error
    except yaml.YAMLError as error:
        raise _refuse("front_matter", f"invalid YAML: {error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise _refuse("front_matter", "the front matter must be a mapping of `key: value` lines")
    return {str(k): v for k, v in loaded.items()}


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter mapping, Markdown body) of a `---`-delimited document."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise _refuse(
            "front_matter",
            "the file must start with YAML front matter between two '---' lines",
        )
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip() in {"---", "..."}:
            mapping = _yaml_mapping("\n".join(lines[1:index]), line_offset=1)
            return mapping, "\n".join(lines[index + 1 :])
    raise _refuse("front_matter", "the front matter is not closed by a '---' line")


def _json_mapping(text: str) -> dict[str, Any]:
    """The JSON form: one object with the front matter keys and the Markdown in `body`."""
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        raise _refuse(
            "file", f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from error
    if not isinstance(loaded, dict):
        raise _refuse("file", "the JSON file must hold one object with the article's fields")
    return loaded


def _scalar_text(value: object) -> object:
    """YAML reads `title: 2026` as a number; an editor meant text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _tag_list(value: object) -> object:
    """Tags as a list, or as one comma-separated string."""
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    return value


def _unique_tags(tags: list[str]) -> list[str]:
    """Drop repeats that differ only in case or spacing (they are the same list entry)."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(normalize_label(tag), " ".join(tag.split()))
    return list(seen.values())


def _author(value: object) -> Author:
    """Turn "First Last" or {first_name, last_name} into an Author, in words editors read."""
    if isinstance(value, str):
        name = " ".join(value.split())
        if not name:
            raise ValueError("the author's name is empty")
        if len(name) > 100:
            raise ValueError("the author's name is longer than 100 characters")
        return Author.from_name(name)
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in {"first_name", "last_name"})
        if unknown:
            raise ValueError(f"unknown author key(s) {', '.join(unknown)}")
        first, last = value.get("first_name"), value.get("last_name")
        if not isinstance(first, str) or not first.strip():
            raise ValueError("author.first_name must be a non-empty text")
        if not isinstance(last, str) or not last.strip():
            raise ValueError("author.last_name must be a non-empty text")
        if len(first) + len(last) > 100:
            raise ValueError("the author's name is longer than 100 characters")
        return Author.from_parts(first, last)
    raise ValueError('give the author as "First Last" or as {first_name: …, last_name: …}')


def _lowercase(value: object) -> object:
    """`Draft` and ` published ` mean what they say."""
    return value.strip().lower() if isinstance(value, str) else value


def _aware_time(value: object) -> object:
    """A date or a time without offset is newsroom time (Copenhagen, summer time included):
    YAML reads `2026-11-20` as a date and `2026-11-20 08:00` as a naive datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # not ISO 8601: pydantic reports it with the hint
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), NEWSROOM_ZONE)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=NEWSROOM_ZONE)
    return value


def _plausible_time(value: datetime | None) -> datetime | None:
    """Years an article can have; also keeps UTC conversion (list sort keys) from overflowing."""
    if value is None:
        return None
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not 1900 <= year <= 2999:
        raise ValueError("the date must lie between the years 1900 and 2999")
    return value


def _text(max_length: int) -> Any:
    """Stripped, non-empty text of at most `max_length` characters (numbers read as text)."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Label = Annotated[str, BeforeValidator(_scalar_text), _text(60)]
Line = Annotated[str, BeforeValidator(_scalar_text), _text(200)]
LongLine = Annotated[str, BeforeValidator(_scalar_text), _text(300)]
Paragraph = Annotated[str, BeforeValidator(_scalar_text), _text(2000)]


class ArticleFields(BaseModel):
    """The keys an article may have (front matter or JSON); anything else is a typo."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Line
    subtitle: LongLine | None = None
    summary: Paragraph | None = None
    category: Label
    tags: Annotated[list[Label], BeforeValidator(_tag_list), Field(max_length=MAX_TAGS)] = []
    author: Annotated[Author, BeforeValidator(_author)]
    published_at: Annotated[
        AwareDatetime | None, BeforeValidator(_aware_time), AfterValidator(_plausible_time)
    ] = None
    slug: Line | None = None
    reading_minutes: Annotated[int, Field(strict=True, ge=1, le=600)] | None = None
    status: Annotated[Literal["published", "draft"], BeforeValidator(_lowercase)] = "published"
    ebook: Line | None = None
    related: (
        Annotated[list[Line], BeforeValidator(_tag_list), Field(max_length=MAX_PINNED)] | None
    ) = None
    body: Annotated[str, StringConstraints(max_length=MAX_SOURCE_BYTES)]


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


def _messages(error: ValidationError, known: list[str]) -> list[FieldError]:
    """Field-level errors worded for editors (pydantic's own text where it is already clear)."""
    errors = []
    for detail in error.errors(include_url=False):
        kind, message = detail["type"], detail["msg"]
        if kind == "missing":
            message = "this field is required"
        elif kind == "extra_forbidden":
            message = f"unknown field; the known fields are {', '.join(known)}"
        elif kind == "timezone_aware":
            message = _TIME_HINT
        elif kind in {"datetime_from_date_parsing", "datetime_parsing", "datetime_type"}:
            message = f"not a date and time: {_TIME_HINT}"
        elif kind in {"too_short", "string_too_short"}:
            message = "must not be empty"
        elif kind in {"too_long", "string_too_long"}:
            limit = detail.get("ctx", {}).get("max_length")
            unit = "characters" if isinstance(detail["input"], str) else "entries"
            message = f"is too long: at most {limit} {unit}"
        message = message.removeprefix("Value error, ")
        errors.append(FieldError(_field(detail["loc"]), message))
    return errors


def _validated[M: BaseModel](model: type[M], mapping: dict[str, Any], hidden: set[str]) -> M:
    try:
        return model.model_validate(mapping)
    except ValidationError as error:
        known = [name for name in model.model_fields if name not in hidden]
        raise ContentError(_messages(error, known)) from error


def load_article_mapping(key: str, data: bytes) -> dict[str, Any]:
    """The raw keys of an article upload (front matter plus `body`), before validation."""
    _, extension = split_key(key)
    if extension not in ARTICLE_EXTENSIONS:
        raise _refuse("file", "an article must be a .md (Markdown) or .json file")
    text = decode_text(data)
    if extension == ".json":
        return _json_mapping(text)
    mapping, body = split_front_matter(text)
    if "body" in mapping:
        raise _refuse("body", "in a .md file the body is the text after the front matter")
    return mapping | {"body": body}


def _slug(key: str, given: str | None) -> str:
    """Slug from the front matter, else from the file name, by the Danish slug rules."""
    if given is not None:
        slug = slugify(given)
        if not slug:
            raise _refuse("slug", "the slug has no letters or digits")
        return slug
    slug = slugify(split_key(key)[0])
    if not slug:
        raise _refuse("slug", "the file name gives no slug; set `slug` in the front matter")
    return slug


def _article(
    key: str, mapping: dict[str, Any], *, received_at: datetime, words_per_minute: int
) -> ArticleSource:
    fields = _validated(ArticleFields, mapping, hidden={"body"} if "body" in mapping else set())
    if not fields.body.strip():
        raise _refuse("body", "the article has no body text")
    slug = _slug(key, fields.slug)
    ebook_id = None
    if fields.ebook is not None:
        ebook_id = slugify(fields.ebook)
        if not ebook_id:
            raise _refuse("ebook", "the e-book id has no letters or digits")
    pins = _pins(fields.related or [], slug)
    body_html = render_markdown(fields.body)
    size = len(body_html.encode("utf-8"))
    if size > MAX_BODY_HTML_BYTES:
        raise _refuse(
            "body",
            f"the body is too large: {size // 1000} KB of HTML, the limit is "
            f"{MAX_BODY_HTML_BYTES // 1000} KB; split it into several articles",
        )
    article = Article(
        slug=slug,
        title=fields.title,
        subtitle=fields.subtitle,
        summary=fields.summary,
        category=fields.category,
        tags=_unique_tags(fields.tags),
        author=fields.author,
        reading_minutes=fields.reading_minutes or reading_minutes(fields.body, words_per_minute),
        published_at=fields.published_at or received_at,
        body_html=body_html,
        updated_at=received_at,
    )
    return ArticleSource(status=fields.status, article=article, ebook_id=ebook_id, pins=pins)


def _pins(given: list[str], slug: str) -> tuple[str, ...]:
    """Pinned related slugs by the slug rules, in order, without repeats or the article itself."""
    pins: list[str] = []
    for index, text in enumerate(given):
        pin = slugify(text)
        if not pin:
            raise _refuse(f"related[{index}]", "the slug has no letters or digits")
        if pin == slug:
            raise _refuse(f"related[{index}]", "an article cannot be related to itself")
        if pin not in pins:
            pins.append(pin)
    return tuple(pins)


def parse_article_source(
    key: str, data: bytes, *, received_at: datetime, words_per_minute: int
) -> ArticleSource:
    """What an article upload asks for; `status: draft` unpublishes even if unfinished."""
    mapping = load_article_mapping(key, data)
    if _lowercase(mapping.get("status")) == "draft":
        return ArticleSource(status="draft")
    return _article(key, mapping, received_at=received_at, words_per_minute=words_per_minute)


def parse_article(
    key: str, data: bytes, *, received_at: datetime, words_per_minute: int
) -> Article:
    """The Article an upload describes (whatever its status), or ContentError.

    `received_at` is the default `published_at` and the `updated_at`.
    """
    mapping = load_article_mapping(key, data)
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
        raise _refuse("file", "the file name gives no e-book id")
    if split_key(key)[1] not in MARKDOWN_EXTENSIONS:
        raise _refuse("file", "an e-book is described by a .md file beside its .pdf")
    mapping, _ = split_front_matter(decode_text(data))
    fields = _validated(EbookFields, mapping, hidden=set())
    return Ebook(id=ebook_id, **fields.model_dump())
