"""Deciding pathological uploads: CPU seconds per MB, worst case, next to a normal article;
then what hostile but valid articles cost the related handler's analysis.

Each generator builds an upload of about 1 MB (the size limit) of one shape the parsers are
slow on: deep nesting in YAML and JSON, long runs of `[`, emphasis and line breaks, huge
tables and numbers. The whole decision (decode, front matter, validation, Markdown cost check
or rendering) runs as the publisher runs it, with `parse_article_source`; the figure is CPU
time (`time.process_time`) per MB of input, best of three runs. Generators are also run at
the largest size the render budget lets through, since that is where rendering really happens.

The related part publishes valid bodies of hostile shapes (one enormous word, one word
repeated, tens of thousands of distinct made-up words, 64-letter compounds of lexicon words)
and times `analyse` (what the stream handler does per article) next to the normal article,
with the profile's size and its longest posting key (DynamoDB: 400 KB items, 2,048-byte keys).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

from newsdesk.logic.publishing.loading import MAX_SOURCE_BYTES, ContentError
from newsdesk.logic.publishing.parsing import parse_article_source
from newsdesk.logic.publishing.rendering import MAX_RENDER_COST, render_cost
from newsdesk.logic.related import text
from newsdesk.logic.related.profile import analyse, posting_features

from infra.bench.common import CONTENT

FRONT = "---\ntitle: Benchmark\ncategory: Bolig\nauthor: Asta Petersen\n"
RECEIVED = datetime(2026, 11, 20, 7, tzinfo=UTC)
MB = 1_000_000
TARGET = MAX_SOURCE_BYTES - 1_000  # a little under the limit: decided, not refused for size


def _article(body: str) -> bytes:
    return f"{FRONT}---\n{body}".encode()


def _fill(unit: str, size: int = TARGET) -> str:
    return unit * (size // len(unit.encode()))


def normal_article() -> bytes:
    """A real upload: the sample article as the editors wrote it."""
    return (CONTENT / "articles" / "inklusion-i-praksis.md").read_bytes()


def _normal_prose(size: int) -> str:
    """The sample article's text repeated to `size` bytes (a very long normal article)."""
    text = normal_article().decode("utf-8").split("---\n", 2)[2]
    return _fill(text, size)


def _yaml_flow_nesting() -> bytes:
    depth = TARGET // 2 - 200
    return f"{FRONT}tags: {'[' * depth}{']' * depth}\n---\nTekst.\n".encode()


def _json_nesting() -> bytes:
    depth = TARGET // 2 - 200
    return ('{"title": "x", "tags": ' + "[" * depth + "]" * depth + "}").encode()


def _big_number() -> bytes:
    return f"{FRONT}reading_minutes: {'9' * 30_000}\n---\nTekst.\n".encode()


def _json_escaped_quotes() -> bytes:
    return ('{"title": "' + _fill('\\"', TARGET - 20)).encode()


def _blank_lines_first() -> bytes:
    return b"\n" * (TARGET - 200) + f"{FRONT}---\nTekst.\n".encode()


def _long_front_matter() -> bytes:
    return f"{FRONT}summary: {'a' * (TARGET - 200)}\n---\nTekst.\n".encode()


GENERATORS: dict[str, Callable[[int], str]] = {
    "normal prose, repeated": _normal_prose,
    "bracket run [": lambda size: _fill("[", size),
    "image run ![": lambda size: _fill("![", size),
    "link openings [a](": lambda size: _fill("[a](", size),
    "emphasis run *a": lambda size: _fill("*a", size),
    "emphasis run _a ": lambda size: _fill("_a ", size),
    "mixed *_": lambda size: _fill("*_", size),
    "code spans `a": lambda size: _fill("`a", size),
    "short lines a\\n": lambda size: _fill("a\n", size),
    "table rows": lambda size: "|a|b|\n|-|-|\n" + _fill("|x|y|\n", size - 12),
    "table columns": lambda size: "|" + _fill("a|", size // 2) + "\n|" + _fill("-|", size // 2),
    "entities &#": lambda size: _fill("&#", size),
    "angle brackets <": lambda size: _fill("<", size),
    "nested quotes >": lambda size: _fill(">", size),
    "nested lists - ": lambda size: _fill("- ", size),
    "link openings with text": lambda size: _fill("[a](" + "a" * 300, size),
    "reference link bomb [a]": lambda size: (
        f"[a]: https://x.dk/{'b' * (size // 2)}\n\n" + _fill("[a] ", size // 2)
    ),
}
WHOLE_FILES: dict[str, Callable[[], bytes]] = {
    "YAML nesting [[[…]]]": _yaml_flow_nesting,
    "JSON nesting [[[…]]]": _json_nesting,
    "30,000-digit number": _big_number,
    "1 MB front matter": _long_front_matter,
    "blank lines before ---": _blank_lines_first,
    'JSON unclosed \\" run': _json_escaped_quotes,
}


def _largest_rendered(generator: Callable[[int], str]) -> str:
    """The largest body of this shape the render budget admits (bisection on the size)."""
    low, high = 0, TARGET
    while high - low > 64:
        middle = (low + high) // 2
        if render_cost(generator(middle)) <= MAX_RENDER_COST:
            low = middle
        else:
            high = middle
    return generator(low)


def decide(data: bytes, key: str = "articles/bench.md") -> tuple[float, str]:
    """CPU seconds to decide one upload (best of three) and what was decided."""
    best, outcome = float("inf"), ""
    for _ in range(3):
        started = time.process_time()
        try:
            parse_article_source(key, data, received_at=RECEIVED, words_per_minute=200)
            outcome = "published"
        except ContentError as error:
            outcome = f"rejected ({error.errors[0].field})"
        best = min(best, time.process_time() - started)
    return best, outcome


def _row(name: str, data: bytes, key: str = "articles/bench.md") -> float:
    seconds, outcome = decide(data, key)
    per_mb = seconds / (len(data) / MB)
    print(
        f"  {name:<30} {len(data) / 1000:>8.0f} KB {seconds:>8.3f} s {per_mb:>8.3f} s/MB  {outcome}"
    )
    return per_mb


def _made_up_words(size: int, length: int) -> str:
    rng = random.Random(length)
    letters = "abdefghijklmnoprstuvyæøå"
    count = size // (length + 1)
    return " ".join("".join(rng.choice(letters) for _ in range(length)) for _ in range(count))


def _lexicon_compounds(size: int) -> str:
    """64-letter runs of lexicon words with linking letters: the splitter's worst words."""
    rng = random.Random(64)
    lexicon = sorted(text.COMPOUND_LEXICON)

    def compound() -> str:
        return "".join(rng.choice(lexicon) + rng.choice(["", "s", "e"]) for _ in range(12))[:64]

    return " ".join(compound() for _ in range(size // 65))


VALID_BODIES: dict[str, Callable[[], str]] = {
    "one 340 KB word": lambda: "Fællesskab i boligforeningen. " + "bolig" * 68_000,
    "one word, 200 KB": lambda: "fællesskab " * 18_000,
    "35,000 made-up words": lambda: _made_up_words(315_000, 8),
    "64-letter made-up words": lambda: _made_up_words(300_000, 64),
    "64-letter lexicon compounds": lambda: _lexicon_compounds(300_000),
    "80,000 combining marks": lambda: "a" + "\u0316\u0301" * 40_000,
}


def _analysed(name: str, data: bytes) -> float:
    """Publish `data`, then time the related analysis of the live item (best of three)."""
    article = parse_article_source(
        "articles/bench.md", data, received_at=RECEIVED, words_per_minute=200
    ).article
    assert article is not None
    meta = article.model_dump(mode="json")
    best = float("inf")
    for _ in range(3):
        text.stem.cache_clear()
        text.compound_parts.cache_clear()
        started = time.process_time()
        profile = analyse(meta)
        best = min(best, time.process_time() - started)
    size = len(json.dumps(profile.model_dump(mode="json"), ensure_ascii=False).encode())
    key = max(len(feature.encode()) for feature in posting_features(profile))
    html = len(article.body_html.encode()) / 1000
    print(
        f"  {name:<30} {html:>6.0f} KB {best:>8.3f} s  {len(profile.terms):>4} terms"
        f" {size / 1000:>6.1f} KB profile {key:>5} B longest posting key"
    )
    return best


def related_analysis() -> None:
    """The related handler's per-article analysis of hostile but valid bodies."""
    print("related analysis of valid hostile bodies (analyse, best of 3, caches cleared)")
    print(f"  {'body':<30} {'HTML':>9} {'cpu':>10}")
    baseline = _analysed("normal article (baseline)", normal_article())
    worst = max(_analysed(name, _article(build())) for name, build in VALID_BODIES.items())
    print(
        f"worst analysis {worst:.3f} s ({worst / baseline:.0f}x the normal article's "
        f"{baseline * 1000:.1f} ms); a stream batch of 25 such articles: {25 * worst:.1f} s "
        "of analysis (the function's timeout is 60 s)"
    )


def main() -> None:
    """Print the table and the worst case."""
    print("hostile uploads: CPU time to decide one upload (parse_article_source, best of 3)")
    print(f"  {'shape':<30} {'size':>11} {'cpu':>10} {'per MB':>13}  decided")
    baseline = _row("normal article (baseline)", normal_article(), "articles/normal.md")
    worst = 0.0
    for name, generator in GENERATORS.items():
        worst = max(worst, _row(name, _article(generator(TARGET - len(FRONT) - 10))))
    for name, build in WHOLE_FILES.items():
        key = "articles/bench.json" if name.startswith("JSON") else "articles/bench.md"
        worst = max(worst, _row(name, build(), key))
    print("  at the largest size the render budget admits (rendered, not refused):")
    worst_edge = 0.0
    for name, generator in GENERATORS.items():
        data = _article(_largest_rendered(generator))
        seconds, _ = decide(data)
        worst_edge = max(worst_edge, seconds)
        _row(name, data)
    print(
        f"worst case of the ~1 MB shapes: {worst:.3f} s/MB ({worst / baseline:.1f}x the normal "
        f"article's {baseline:.3f} s/MB); slowest decision of any size: {worst_edge:.3f} s"
    )
    related_analysis()


if __name__ == "__main__":
    main()
