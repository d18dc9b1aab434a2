"""Markdown → sanitised HTML, and the reading time of a body.

markdown-it-py renders CommonMark (plus tables and strikethrough) with raw HTML disabled, so an
editor's `<script>` is shown as text; nh3 then keeps only an allow-list of tags, attributes
and URL schemes, a second line of defence against anything the renderer lets through.
"""

from __future__ import annotations

import math
import re
from functools import cache

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


@cache
def _markdown() -> MarkdownIt:
    """The renderer: CommonMark, no raw HTML, no typographic rewriting of editors' text."""
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_markdown(body: str) -> str:
    """Sanitised HTML of a Markdown body (an `# H1` becomes `h2`: the page title is the h1)."""
    html = _markdown().render(body).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    ).strip()


def _text(tokens: list[Token]) -> list[str]:
    """The words a reader reads: text, code and image alt texts, without Markdown syntax."""
    parts: list[str] = []
    for token in tokens:
        if token.children:
            parts.extend(_text(token.children))
        elif token.type in {"text", "code_inline", "code_block", "fence"}:
            parts.append(token.content)
    return parts


def word_count(body: str) -> int:
    """Number of words in the rendered text of a Markdown body."""
    return sum(len(_WORD.findall(part)) for part in _text(_markdown().parse(body)))


def reading_minutes(body: str, words_per_minute: int) -> int:
    """Whole minutes to read the body, rounded up, at least one."""
    return max(1, math.ceil(word_count(body) / words_per_minute))
