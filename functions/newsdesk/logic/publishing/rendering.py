"""Markdown → sanitised HTML, and the reading time of a body.

markdown-it-py renders CommonMark (plus tables and strikethrough) with raw HTML disabled, so an
editor's `<script>` is shown as text; nh3 then keeps only an allow-list of tags, attributes
and URL schemes, a second line of defence against anything the renderer lets through.

markdown-it-py's time is linear in the input but its cost per character varies a hundredfold:
plain prose costs well under a microsecond a character, while each `[`, line break, table
cell or emphasis delimiter costs 3-30 µs. `render_cost` estimates that work from character
counts (C speed) so a body that would take seconds is refused before rendering starts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {
        "a", "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
        "blockquote", "ul", "ol", "li", "code", "pre", "img",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_WORD = re.compile(r"\w+")
# Estimated microseconds of parse + render per character (measured with markdown-it-py 4 on
# the bench machine, worst of runs and interleaved forms; `make bench` prints the real figures).
_COST_PER_CHARACTER = {
    "[": 32.0, "\n": 22.0, "|": 20.0, "*": 16.0, "_": 12.0, "~": 7.0, "\\": 8.0, "`": 7.0,
    "&": 5.0, "!": 4.0, "#": 4.0, "$": 4.0, "%": 4.0, "+": 4.0, "-": 4.0, ":": 4.0, "<": 5.0,
    "=": 4.0, ">": 4.0, "@": 4.0, "]": 4.0, "^": 4.0, "{": 4.0, "}": 4.0, '"': 1.0,
}  # fmt: skip
_COST_PER_OTHER_CHARACTER = 0.25
# About 0.4 s of CPU: far above any real article (a long one estimates at a tenth of it).
MAX_RENDER_COST = 400_000.0


@cache
def _markdown() -> MarkdownIt:
    """The renderer: CommonMark, no raw HTML, no typographic rewriting of editors' text."""
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_cost(body: str) -> float:
    """Estimated microseconds markdown-it-py needs for `body` (an upper bound, roughly)."""
    special = {char: body.count(char) for char in _COST_PER_CHARACTER}
    other = len(body) - sum(special.values())
    return other * _COST_PER_OTHER_CHARACTER + sum(
        count * _COST_PER_CHARACTER[char] for char, count in special.items()
    )


@dataclass(frozen=True, slots=True)
class RenderedBody:
    """A body parsed once: its sanitised HTML, the number of words a reader reads, and the
    links and images ("link"/"image", address) that cannot work where the article is read."""

    html: str
    words: int
    broken: tuple[tuple[str, str], ...] = ()
    # The first HTML tag written in the text (outside code), which readers see as text.
    raw_html: str | None = None


# A link or image markdown-it refuses to render (it stays as text): Word's local files mostly.
_REFUSED_TARGET = re.compile(
    r"(!?)\[[^\]\n]*\]\(\s*<?((?:file|javascript|vbscript|data):[^)\s>]*)", re.IGNORECASE
)


class TooMuchHtml(ValueError):
    """The body's HTML would be over the limit: at least `size` bytes (`in_links`: found in
    the links' attributes before rendering)."""

    def __init__(self, size: int, *, in_links: bool = False) -> None:
        super().__init__(f"at least {size} bytes of HTML")
        self.size = size
        self.in_links = in_links


def render_body(body: str, *, max_html_bytes: int) -> RenderedBody:
    """Parse once; render sanitised HTML and count words from the same tokens.

    TooMuchHtml if the HTML would exceed `max_html_bytes`, raised before rendering when the
    links' attributes alone exceed it: a reference definition (`[a]: <url> "title"`) is
    stored once and shared by every `[a]` that uses it, so 100 KB of URL used 10,000 times
    parses in a moment but would render a gigabyte.
    """
    markdown = _markdown()
    tokens = markdown.parse(body)
    attributes = _attribute_characters(tokens)
    if attributes > max_html_bytes:
        raise TooMuchHtml(attributes, in_links=True)
    html = markdown.renderer.render(tokens, markdown.options, {})
    words = sum(len(_WORD.findall(part)) for part in _contents(tokens, _READ))
    sanitised = _sanitised(html)
    size = len(sanitised.encode("utf-8"))
    if size > max_html_bytes:
        raise TooMuchHtml(size)
    broken = [
        ("image" if match.group(1) else "link", match.group(2))
        for match in _REFUSED_TARGET.finditer(body)
    ]
    broken += [(kind, target) for kind, target in _targets(tokens) if not _works(target)]
    raw = next(
        (m.group() for t in _contents(tokens, _PLAIN) if (m := _TAG.search(t)) is not None), None
    )
    return RenderedBody(sanitised, words, tuple(broken), raw)


def _attribute_characters(tokens: list[Token]) -> int:
    """Characters of the attribute values (href, src, title) the HTML will repeat."""
    total = 0
    for token in tokens:
        for child in token.children or ():
            total += sum(len(value) for value in child.attrs.values() if isinstance(value, str))
    return total


# An HTML tag as editors paste it (an embed code, a <div>): shown as text, since raw HTML is off.
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")


def _contents(tokens: list[Token], kinds: frozenset[str]) -> list[str]:
    """The content of every token of one of `kinds`, children included, in reading order."""
    parts: list[str] = []
    for token in tokens:
        if token.children:
            parts.extend(_contents(token.children, kinds))
        elif token.type in kinds:
            parts.append(token.content)
    return parts


# The text of the body outside code spans and blocks (where pasted HTML shows as text).
_PLAIN = frozenset({"text"})
# The words a reader reads: text, code and image alt texts, without Markdown syntax.
_READ = frozenset({"text", "code_inline", "code_block", "fence"})


def _targets(tokens: list[Token]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for token in tokens:
        if token.type == "image":
            found.append(("image", str(token.attrs.get("src", ""))))
        elif token.type == "link_open":
            found.append(("link", str(token.attrs.get("href", ""))))
        if token.children:
            found.extend(_targets(token.children))
    return found


def _works(target: str) -> bool:
    """An address that leads somewhere from any page: a URL with an allowed scheme, a path
    from the site's root, or an anchor. `billeder/foto.jpg`, `www.x.dk`, `C:\\…` do not."""
    scheme = urlsplit(target).scheme.lower()
    if scheme:
        return scheme in URL_SCHEMES and len(scheme) > 1
    return target.startswith(("/", "#"))


def render_markdown(body: str) -> str:
    """Sanitised HTML of a Markdown body (an `# H1` becomes `h2`: the page title is the h1)."""
    return _sanitised(_markdown().render(body))


def _sanitised(html: str) -> str:
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    ).strip()


def word_count(body: str) -> int:
    """Number of words in the rendered text of a Markdown body."""
    return sum(len(_WORD.findall(part)) for part in _contents(_markdown().parse(body), _READ))


def minutes_for(words: int, words_per_minute: int) -> int:
    """Whole minutes to read `words`, rounded up, at least one."""
    return max(1, math.ceil(words / words_per_minute))


def reading_minutes(body: str, words_per_minute: int) -> int:
    """Whole minutes to read the body, rounded up, at least one."""
    return minutes_for(word_count(body), words_per_minute)
