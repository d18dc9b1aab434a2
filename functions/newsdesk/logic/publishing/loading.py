"""Bytes → text → a mapping of front matter keys, with bounded work and Danish messages.

Every step here is bounded before it runs: the file's size, what it looks like (an image or a
PDF is named, not decoded), the front matter's size, the nesting depth (checked while YAML is
composed and before JSON is decoded), the length of numbers, and duplicate keys. A problem is a
ContentError whose message names the line where it starts, in words an editor can act on.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

MAX_SOURCE_BYTES = 1_000_000
# Front matter is a few lines of metadata; the cap keeps the (pure Python) YAML parser cheap.
MAX_FRONT_MATTER_BYTES = 32_000
# `author: {first_name, last_name}` is the deepest anything needs to be (depth 2).
MAX_DEPTH = 5
# Longer digit runs are no count or year (and int() of thousands of digits is slow).
MAX_NUMBER_DIGITS = 15


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


def refuse(field: str, message: str) -> ContentError:
    """A ContentError with one field error."""
    return ContentError([FieldError(field, message)])


# What a non-text file looks like, by its first bytes (editors upload the wrong file).
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "en PNG-billedfil"),
    (b"\xff\xd8\xff", 0, "en JPEG-billedfil"),
    (b"GIF87a", 0, "en GIF-billedfil"),
    (b"GIF89a", 0, "en GIF-billedfil"),
    (b"WEBP", 8, "en WebP-billedfil"),
    (b"%PDF-", 0, "en PDF-fil"),
    (b"PK\x03\x04", 0, "en ZIP-fil (fx et Word- eller OpenOffice-dokument)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "et gammelt Word- eller Excel-dokument (.doc/.xls)"),
    (b"{\\rtf", 0, "et RTF-dokument"),
    (b"\x1f\x8b", 0, "en gzip-komprimeret fil"),
    (b"ftyp", 4, "en video- eller HEIC-billedfil"),
    (b"II*\x00", 0, "en TIFF-billedfil"),
    (b"MM\x00*", 0, "en TIFF-billedfil"),
)
_UNICODE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16"),
    (b"\xfe\xff", "utf-16", "UTF-16"),
)
_UTF8_BOM = b"\xef\xbb\xbf"
# Danish letters, Word's quotes and dashes, the symbols of Latin-1 (non-breaking space, °, ½,
# §, «), € and emoji as UTF-8 (æ is C3 A6, “ is E2 80 9C, ° is C2 B0): a file with these in it
# is UTF-8 with a broken part, and reading it as Windows-1252 would garble the rest ("Ã¦",
# "â€œ", "Â°", "â‚¬", "ðŸ"). Windows-1252 text itself hardly ever has such a pair of characters.
_UTF8_DANISH = re.compile(
    rb"\xc3[\x80-\xbf]|\xe2\x80[\x80-\xbf]|\xc2[\xa0-\xbf]|\xe2\x82\xac|\xf0\x9f[\x80-\xbf]"
)
_SAVE_AS_TEXT = "Gem artiklen som en tekstfil (UTF-8) med endelsen .md eller .json"
_NOT_UTF8 = (
    "Filen er ikke gemt som UTF-8 og blev læst som Windows-1252 (Latin-1), som Word og "
    "Notesblok på Windows ofte gemmer i; tjek at æ, ø, å og anførselstegn ser rigtige ud, og "
    "gem filen som UTF-8 næste gang"
)


def looks_like(data: bytes) -> str | None:
    """What kind of non-text file `data` is, in Danish ("en PNG-billedfil"), or None."""
    for signature, offset, name in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return name
    return None


@dataclass(frozen=True, slots=True)
class Text:
    """A file's text, and a warning when it had to be read in an older encoding."""

    text: str
    warnings: tuple[FieldError, ...] = ()


def read_text(data: bytes) -> Text:
    """The text of an editor's file: UTF-8 (a BOM tolerated), UTF-16/32 with a BOM, or,
    failing UTF-8 with no UTF-8 in it at all, Windows-1252 (what Word and Notepad on Windows
    save Danish text as) with a warning; newlines normalised. Anything else is refused."""
    if len(data) > MAX_SOURCE_BYTES:
        raise refuse("file", too_large_message(len(data)))
    kind = looks_like(data)
    if kind is not None:
        raise refuse("file", f"Filen er ikke en tekstfil: den ligner {kind}. {_SAVE_AS_TEXT}.")
    warnings: tuple[FieldError, ...] = ()
    for bom, codec, name in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise refuse(
                    "file", f"Filen er gemt som {name}, men er ødelagt. Gem den som UTF-8."
                ) from None
            break
    else:
        data = data.removeprefix(_UTF8_BOM)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            text = _windows_1252(data, error)
            warnings = (FieldError("file", _NOT_UTF8),)
    if not text.strip():
        raise refuse("file", "Filen er tom. Upload filen igen, når den er gemt med indhold.")
    if "\x00" in text:
        raise refuse("file", f"Filen indeholder NUL-tegn og er ikke en tekstfil. {_SAVE_AS_TEXT}.")
    return Text(text.replace("\r\n", "\n").replace("\r", "\n"), warnings)


def _windows_1252(data: bytes, error: UnicodeDecodeError) -> str:
    """`data` read as Windows-1252, or the refusal naming the first byte UTF-8 could not read
    (when the file also has UTF-8 in it, or a byte Windows-1252 does not define)."""
    if _UTF8_DANISH.search(data) is None:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    line = data[: error.start].count(b"\n") + 1
    raise refuse(
        "file",
        f"Filen er ikke gemt som UTF-8 (første ugyldige tegn på linje {line}), og den kan "
        "heller ikke læses som Windows-1252; måske er den kopieret sammen af filer med "
        "forskellig tegnkodning. Gem den som UTF-8 og upload igen.",
    ) from error


def decode_text(data: bytes) -> str:
    """The text of `read_text`, for files whose readers take no warnings (e-books)."""
    return read_text(data).text


def too_large_message(size: int) -> str:
    """The size refusal, with both numbers an editor needs."""
    return (
        f"Filen fylder {_danish_number(size)} bytes; grænsen er "
        f"{_danish_number(MAX_SOURCE_BYTES)} bytes. Gør teksten kortere, eller del den op i "
        "flere artikler."
    )


def _danish_number(number: int) -> str:
    """1000000 → "1.000.000" (Danish thousands separator)."""
    return f"{number:,}".replace(",", ".")


# Escaped characters (`"\\ud83d\\ude00"`)

_SURROGATE = re.compile("[\ud800-\udfff]")
_HALF_CHARACTER = (
    "indeholder en \\u-kode for et halvt tegn (en UTF-16-surrogat uden sin anden halvdel), "
    "som ikke kan gemmes; skriv tegnet direkte i stedet for som \\u-kode"
)


def _joined(text: str) -> str:
    """`text` with escaped UTF-16 pairs as one character (YAML leaves `\\ud83d\\ude00` as
    two halves); UnicodeDecodeError for a half without its partner, which no store takes."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _deep_joined(value: Any) -> Any:
    if isinstance(value, str):
        return _joined(value)
    if isinstance(value, list):
        return [_deep_joined(item) for item in value]
    if isinstance(value, dict):
        return {_deep_joined(k): _deep_joined(v) for k, v in value.items()}
    return value


def whole_characters(mapping: dict[str, Any], whole: str) -> dict[str, Any]:
    """The mapping with escaped surrogate pairs joined; a lone half is refused, naming its
    field (or `whole`, the part of the file, when a field's name has one)."""
    joined: dict[str, Any] = {}
    for key, value in mapping.items():
        try:
            name = _joined(key)
        except UnicodeDecodeError:
            raise refuse(whole, f"Et feltnavn {_HALF_CHARACTER}.") from None
        try:
            joined[name] = _deep_joined(value)
        except UnicodeDecodeError:
            raise refuse(name, _HALF_CHARACTER) from None
    return joined


# YAML


class _Refusal(yaml.YAMLError):
    """Raised from inside the loader with a finished Danish message and the line it names."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader without aliases, with a depth limit, unique keys, short numbers, no NaN/inf."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _Refusal("henvisninger (*navn) er ikke tilladt i front matter", mark.line + 1)
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            if self._depth >= MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refusal(
                    f"lister og felter er indlejret i mere end {MAX_DEPTH} niveauer",
                    mark.line + 1,
                )
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                raise _Refusal(f"feltet '{key}' står to gange", _line(key_node))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(char.isdigit() for char in str(node.value))
        if digits > MAX_NUMBER_DIGITS:
            raise _Refusal(f"tallet har {digits} cifre; det er for langt", _line(node))
        return int(super().construct_yaml_int(node))

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        if len(str(node.value)) > 40:
            raise _Refusal("tallet er for langt", _line(node))
        value = float(super().construct_yaml_float(node))
        if not math.isfinite(value):
            raise _Refusal(
                f"'{node.value}' er ikke et tal, der kan bruges; skriv en tekst i anførselstegn",
                _line(node),
            )
        return value

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date-shaped text that is no date (`2026-13-45`) stays text, so the field that
        holds it says "er ikke en dato" rather than the whole front matter being invalid."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return str(node.value)


_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    _FrontMatterLoader.construct_yaml_timestamp,
)
_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:int",
    _FrontMatterLoader.construct_yaml_int,
)
_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:float",
    _FrontMatterLoader.construct_yaml_float,
)

_UNCLOSED_QUOTE = "anførselstegnet der begynder her, lukkes aldrig"

# PyYAML's own wording → what an editor should look for (first match wins).
_YAML_HINTS: tuple[tuple[str, str], ...] = (
    ("found unexpected end of stream", _UNCLOSED_QUOTE),
    ("while scanning a quoted scalar", _UNCLOSED_QUOTE),
    ("found character '\\t'", "der står et tabulatortegn; brug mellemrum til indrykning"),
    ("mapping values are not allowed", "et kolon midt i en tekst: sæt teksten i anførselstegn"),
    ("expected ',' or ']'", "listen der begynder her, er ikke lukket rigtigt med ]"),
    ("expected ',' or '}'", "feltet der begynder her, er ikke lukket rigtigt med }"),
    ("while parsing a flow sequence", "listen der begynder her, er ikke lukket med ]"),
    ("while parsing a flow mapping", "feltet der begynder her, er ikke lukket med }"),
    (
        "did not find expected key",
        "indrykningen passer ikke: ret mellemrummene i starten af linjen",
    ),
    ("expected <block end>", "indrykningen passer ikke: ret mellemrummene i starten af linjen"),
    ("did not find expected '-'", "indrykningen passer ikke i listen"),
    ("found undefined tag handle", "et '!' i starten af en værdi: sæt teksten i anførselstegn"),
    ("found character '@'", "en værdi må ikke starte med @ eller `: sæt teksten i anførselstegn"),
    ("found character '`'", "en værdi må ikke starte med @ eller `: sæt teksten i anførselstegn"),
    ("could not find expected ':'", "en linje mangler et kolon efter feltets navn"),
)


def _yaml_problem(error: yaml.MarkedYAMLError) -> tuple[str, int | None]:
    """Danish wording and the line where the problem starts (an unclosed quote's opening)."""
    said = f"{error.context or ''} {error.problem or ''}"
    hint = next((text for needle, text in _YAML_HINTS if needle in said), None)
    context, problem = error.context_mark, error.problem_mark
    starts_earlier = isinstance(error, yaml.scanner.ScannerError) or (
        hint is not None and "begynder her" in hint
    )
    mark = context if context is not None and starts_earlier else problem or context
    line = int(mark.line) + 1 if mark is not None else None
    return hint or "YAML-syntaksen er ugyldig her", line


# A value that opens with a quote: `title: "…`, `- "…`, `- name: '…`.
_QUOTED_VALUE = re.compile(r"""^ *(?:- +)?(?:[^\s#'"][^#'"]*?: +)?(["'])""")
# A line that reads as the start of a field (`summary: …`, `- author:`).
_FIELD_LINE = re.compile(r"^ *(?:- +)?[^\W\d][\w-]*:(?: |$)")


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _closing_line(lines: list[str], line: int, column: int, quote: str) -> int | None:
    """The index of the line where the quoted scalar opened at (line, column) closes."""
    for index in range(line, len(lines)):
        text, position = lines[index], column if index == line else 0
        while position < len(text):
            char = text[position]
            if quote == '"' and char == "\\":
                position += 2
                continue
            if char == quote:
                if quote == "'" and text[position + 1 : position + 2] == "'":
                    position += 2
                    continue
                return index
            position += 1
    return None


def _runaway_quote(text: str) -> int | None:
    """The 1-based line of a quoted value that runs on over the next field's line.

    YAML lets a quoted text span lines, so `title: "Nyt` without its closing quote swallows
    the following lines up to the next quote (`summary: "`) and only fails after it, naming
    that later line and its indentation. A quoted value that swallows a `felt:` line is the
    editor's missing quote.
    """
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        opened = _QUOTED_VALUE.match(lines[index])
        if opened is None:
            index += 1
            continue
        end = _closing_line(lines, index, opened.end(), opened.group(1))
        last = len(lines) - 1 if end is None else end
        # A field at the opening line's indentation or left of it; an indented `Bemærk: …`
        # inside a text written over several lines is the text's own.
        indent = _indentation(lines[index])
        if any(
            _FIELD_LINE.match(line) and _indentation(line) <= indent
            for line in lines[index + 1 : last + 1]
        ):
            return index + 1
        if end is None:
            return None
        index = end + 1
    return None


# Typographic quotes autocorrection puts where an editor typed YAML's " or '.
_SMART_QUOTES = re.compile("[“”„‟‘’‚«»]")
# YAML allows no tab where Notepad users press Tab: to indent, and to line values up after the
# field name or a list's dash. Those tabs become spaces (a tab indents as two); the lines stay.
_LEADING_TABS = re.compile(r"^[\t ]*\t[\t ]*", re.MULTILINE)
# A non-breaking space right after the colon (copied from a web page or a Word table) is a
# space too. After a space it is already the value's own first character, which the fields
# strip: turning it into a space would let YAML read what follows as syntax (`title: \xa0!0`).
_TAB_AFTER_NAME = re.compile(
    r"^( *(?:[\w-]+:|-))(?:[\t\u00a0]|[ \u00a0]*\t)[\t \u00a0]*", re.MULTILINE
)


def _untabbed(text: str) -> str:
    if "\t" not in text and "\u00a0" not in text:
        return text
    text = _LEADING_TABS.sub(lambda match: match.group().replace("\t", "  "), text)
    return _TAB_AFTER_NAME.sub(r"\1 ", text)


def load_front_matter(text: str, *, first_line: int) -> dict[str, Any]:
    """The front matter's YAML as a mapping with string keys, or a `front_matter` error.

    `first_line` is the line of the file the YAML starts on, so messages name file lines.
    """
    if len(text.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise refuse(
            "front_matter",
            "Front matter (felterne mellem '---'-linjerne) fylder over "
            f"{_danish_number(MAX_FRONT_MATTER_BYTES)} bytes; hold den til felterne og læg "
            "teksten efter den afsluttende '---'.",
        )
    text = _untabbed(text)
    try:
        loaded = yaml.load(text, Loader=_FrontMatterLoader)  # noqa: S506 - safe loader subclass
    except _Refusal as error:
        raise refuse(
            "front_matter", f"Linje {error.line + first_line - 1}: {error.message}."
        ) from error
    except yaml.MarkedYAMLError as error:
        hint, problem_line = _yaml_problem(error)
        runaway = _runaway_quote(text)
        if runaway is not None and (problem_line is None or runaway <= problem_line):
            hint, problem_line = _UNCLOSED_QUOTE, runaway
        where = f"Linje {problem_line + first_line - 1}: " if problem_line is not None else ""
        lines = text.split("\n")
        said = lines[problem_line - 1] if problem_line and problem_line <= len(lines) else ""
        if _SMART_QUOTES.search(said):
            hint += (
                '. Anførselstegnene på linjen er “ ” (Word og telefoner laver " om til dem), '
                "og dem læser YAML ikke som anførselstegn: skriv almindelige \" eller '"
            )
        raise refuse("front_matter", f"{where}ugyldig YAML: {hint}.") from error
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise refuse("front_matter", "Ugyldig YAML i front matter.") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise refuse("front_matter", "Front matter skal bestå af linjer på formen `felt: værdi`.")
    return whole_characters({str(k): v for k, v in loaded.items()}, "front_matter")


# What Word's and iPhone's autocorrection make of a typed `---` (or `--`): one long dash.
_DASH_FENCES = frozenset({"—", "–"})


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter mapping, Markdown body) of a `---`-delimited document."""
    front, body, first_line = front_matter_parts(text)
    return load_front_matter(front, first_line=first_line), body


_NAME = re.compile(r"^([\w-]+):")
_VALUE_LINE = re.compile(r"^(?P<indent>[ \t]*)(?:(?P<key>[\w-]+):|-)[ \t]+(?P<value>\S.*)$")


def lost_to_comments(front: str, *, first_line: int) -> list[FieldError]:
    """Warnings for text YAML drops as a comment: a `#` after a space in an unquoted value
    (`title: Vi vandt #1`, `tags: #bolig #børn`), which editors mean as text."""
    warnings: list[FieldError] = []
    top, block_indent = "front_matter", None
    for number, line in enumerate(front.split("\n"), start=first_line):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue  # inside a `|` or `>` block, where # is text
        block_indent = None
        named = _NAME.match(line)
        if named is not None:
            top = named.group(1)
        match = _VALUE_LINE.match(line)
        if match is None:
            continue
        key = match.group("key")
        field = f"{top}.{key}" if key is not None and match.group("indent") else top
        value = match.group("value")
        if value[0] in "|>":
            block_indent = len(match.group("indent"))
            continue
        if value[0] in "\"'[{":
            continue
        cut = 0 if value.startswith("#") else re.search(r"[ \t]#", value)
        if cut is None:
            continue
        lost = value[cut if isinstance(cut, int) else cut.start() :].strip()
        warnings.append(
            FieldError(
                field,
                f"linje {number}: '{lost[:60]}' kom ikke med, fordi YAML læser alt fra et # "
                "efter et mellemrum som en kommentar; sæt teksten i anførselstegn, hvis # skal "
                'med (fx title: "Vi vandt #1")',
            )
        )
    return warnings


def front_matter_parts(text: str) -> tuple[str, str, int]:
    """(front matter YAML, Markdown body, the file line the YAML starts on) of a
    `---`-delimited document. Blank lines before the first `---` are skipped; a file whose
    first line is a dash autocorrection made of `---` closes with the same dash (or `---`)."""
    # One pass over the blank lines (cutting them off one by one copied the rest of the
    # file each time: 1 MB of newlines took 15 s).
    start = skipped = 0
    while (end := text.find("\n", start)) >= 0 and not text[start:end].strip():
        start, skipped = end + 1, skipped + 1
    first, _, rest = text[start:].partition("\n")
    fence = first.rstrip()
    if fence == "+++":
        raise refuse(
            "front_matter",
            "Felterne står i TOML (mellem '+++'-linjer); her bruges YAML: skriv '---' i stedet "
            "for '+++' og `felt: værdi` i stedet for `felt = værdi`.",
        )
    if fence != "---" and fence not in _DASH_FENCES:
        raise refuse(
            "front_matter",
            "Filen skal begynde med en linje med '---', derefter felterne (title, category, "
            "author …) og så en linje med '---' før selve teksten.",
        )
    closings = r"---|\.\.\." if fence == "---" else rf"---|{fence}"
    closing = re.search(rf"^(?:{closings})[ \t]*$", rest, flags=re.MULTILINE)
    if closing is None:
        raise refuse(
            "front_matter",
            "Front matter lukkes ikke: der mangler en linje med '---' efter felterne.",
        )
    return rest[: closing.start()], rest[closing.end() :].removeprefix("\n"), skipped + 2


# JSON


class _JsonRefusal(ValueError):
    """A refusal from a JSON hook (decoding stops at once); `key` names a duplicate."""

    key: str | None = None


# A string, or an unclosed one to the end of its line (which the decoder then refuses): a
# pattern that needs the closing quote would rescan the rest of the line from every escaped
# quote in it, quadratic in the line's length (80 KB of `\\"` took 30 s).
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"?'
_JSON_STRING = re.compile(_STRING)
_JSON_TOKENS = re.compile(_STRING + r"|[\[\]{}]")
_NOT_BRACKETS = {code: None for code in range(0x110000) if chr(code) not in "[]{}"}


def _shallow(text: str) -> bool:
    """True if no bracket nests deeper than MAX_DEPTH (C-speed string operations only).

    Strings removed, only brackets kept; each round removes the innermost pairs, so after
    MAX_DEPTH rounds nothing is left unless something nests deeper (or is unbalanced).
    """
    skeleton = _JSON_STRING.sub("", text).translate(_NOT_BRACKETS)
    for _ in range(MAX_DEPTH):
        skeleton = skeleton.replace("[]", "").replace("{}", "")
    return not skeleton


def _json_depth_problem(text: str) -> int | None:
    """The line where nesting first exceeds MAX_DEPTH, or None (strings are skipped)."""
    if _shallow(text):
        return None
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif bracket in "]}":
            depth -= 1
    return None


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            refusal = _JsonRefusal(f"feltet '{key}' står to gange")
            refusal.key = key
            raise refusal
        seen[key] = value
    return seen


def _short_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _JsonRefusal(f"et tal har {len(text.lstrip('-'))} cifre; det er for langt")
    return int(text)


def _short_float(text: str) -> float:
    value = float(text) if len(text) <= 40 else math.inf
    if not math.isfinite(value):
        raise _JsonRefusal(f"tallet {text[:20]} er for stort eller for langt")
    return value


def _no_constant(name: str) -> float:
    raise _JsonRefusal(f"{name} er ikke et gyldigt tal i JSON")


_JSON_HINTS = {
    "Unterminated string starting at": 'teksten der begynder her, mangler sit afsluttende "',
    "Expecting ',' delimiter": "der mangler et komma efter værdien her",
    "Illegal trailing comma": "der står et komma for meget før ] eller }: slet det",
    "Expecting property name enclosed in double quotes": (
        "feltnavne skal stå i dobbelte anførselstegn (og der må ikke stå komma efter det sidste)"
    ),
    "Expecting ':' delimiter": "der mangler et kolon efter feltnavnet",
    "Expecting value": "der mangler en værdi (eller der står et komma for meget)",
    "Extra data": "der står mere efter det afsluttende }",
    "Invalid control character": (
        'teksten der begynder her, fortsætter over et linjeskift: mangler der et afsluttende "?'
        " (et linjeskift inde i en tekst skrives \\n)"
    ),
    "Invalid \\escape": "ugyldig \\-sekvens i en tekst",
}


def _duplicate_line(text: str, key: str) -> int | None:
    """The line of the second `"key":` in the text (hooks see no positions)."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    found = list(itertools.islice(pattern.finditer(text), 2))
    return text.count("\n", 0, found[1].start()) + 1 if len(found) == 2 else None


def load_json_object(text: str) -> dict[str, Any]:
    """The JSON form: one object with the article's keys (and the Markdown in `body`)."""
    too_deep = _json_depth_problem(text)
    if too_deep is not None:
        raise refuse(
            "file",
            f"Linje {too_deep}: lister og objekter er indlejret i mere end {MAX_DEPTH} niveauer.",
        )
    try:
        loaded = json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_int=_short_int,
            parse_float=_short_float,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as error:
        hint = next(
            (hint for needle, hint in _JSON_HINTS.items() if error.msg.startswith(needle)),
            "JSON-syntaksen er ugyldig her",
        )
        position = error.pos
        if error.msg.startswith("Invalid control character"):
            position = text.rfind('"', 0, error.pos)  # where the unclosed text starts
        elif error.msg.startswith("Expecting ',' delimiter"):
            # Where the comma belongs: after the value before, often at the end of the line
            # above, not at the next field that json names.
            position = len(text[: error.pos].rstrip())
        line = text.count("\n", 0, position) + 1
        column = position - text.rfind("\n", 0, position)
        raise refuse("file", f"Linje {line}, kolonne {column}: ugyldig JSON: {hint}.") from error
    except _JsonRefusal as error:
        duplicate = _duplicate_line(text, error.key) if error.key is not None else None
        where = f"Linje {duplicate}: ugyldig" if duplicate else "Ugyldig"
        raise refuse("file", f"{where} JSON: {error}.") from error
    except (RecursionError, ValueError) as error:
        raise refuse("file", "Ugyldig JSON.") from error
    if not isinstance(loaded, dict):
        raise refuse("file", "JSON-filen skal indeholde ét objekt { … } med artiklens felter.")
    return whole_characters(loaded, "file")
