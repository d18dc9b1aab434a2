"""Search: precision@5 on a judged query set, and DynamoDB cost per query as the corpus grows.

The 26 sample articles (content/) are mixed into 0, 1,000 and 10,000 synthetic articles
(Danish-like words with Zipfian frequencies, `infra.bench.related.synthetic_articles`); the
related index is built by the full recompute, as it is after any change of weights, and every
query runs the API's own search over moto. The judged queries are
`infra/bench/search_queries.json` (what a reader would type, and the articles that answer it).

Baselines measured in the same run: for quality, a naive search (any query word as a
substring of title or body, newest first: what a LIKE query would give); for cost, the
reads a search without an index needs (every published article, read through the
all-articles index).
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

from newsdesk.dal import clients
from newsdesk.dal import related as related_store
from newsdesk.logic import search as engine
from newsdesk.logic.related.recompute import recompute
from newsdesk.logic.related.text import html_to_text, stopwords, words
from newsdesk.models import Article

from infra.bench.related import (
    CallCounter,
    bulk_loader,
    bulk_store,
    moto_table,
    partition_queries,
    sample_articles,
    synthetic_articles,
)

QUERIES = Path(__file__).with_name("search_queries.json")
AT = 5


@dataclass(frozen=True)
class Judged:
    """One query and the sample articles that answer it."""

    query: str
    relevant: frozenset[str]


def judged_queries(path: Path = QUERIES) -> list[Judged]:
    """The evaluation queries."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [Judged(row["q"], frozenset(row["relevant"])) for row in rows]


def precision_at(found: list[str], relevant: frozenset[str], k: int = AT) -> float:
    """Share of the first k results that are relevant (k in the denominator, as defined)."""
    return len(set(found[:k]) & relevant) / k


def best_possible(relevant: frozenset[str], k: int = AT) -> float:
    """Precision@k of a perfect ranking (queries with fewer than k answers cannot reach 1)."""
    return min(len(relevant), k) / k


def naive_search(query: str, articles: list[Article]) -> list[str]:
    """Any non-stopword query word as a substring of title or body, newest first."""
    wanted = [w for w in words(query) if w not in stopwords()]
    texts = {a.slug: f"{a.title} {html_to_text(a.body_html)}".lower() for a in articles}
    hits = [a for a in articles if any(w in texts[a.slug] for w in wanted)]
    return [a.slug for a in sorted(hits, key=lambda a: a.published_at, reverse=True)]


def synthetic_queries(articles: list[Article], count: int = 20, seed: int = 11) -> list[str]:
    """Two title words of random synthetic articles: queries that do hit the big corpus."""
    rng = random.Random(seed)
    picked = rng.sample(articles, min(count, len(articles)))
    return [" ".join(rng.sample(a.title.lower().split(), 2)) for a in picked]


@dataclass(frozen=True)
class Figures:
    """What one corpus size gives."""

    corpus: int
    precision: float
    naive_precision: float
    ideal: float
    calls: float
    max_calls: int
    items_read: float
    max_items_read: int
    scan_calls: int
    scan_items_read: int
    seconds: float


def measure(extra: int, queries: list[Judged], seed: int = 7) -> Figures:
    """Load samples + `extra` synthetic articles, build the index, run every query."""
    started = time.perf_counter()
    samples = sample_articles()
    synthetic = synthetic_articles(extra, seed) if extra else []
    with moto_table(), partition_queries():
        bulk_store(samples + synthetic)
        recompute(write=bulk_loader(), chunk=1_000)
        counter = CallCounter()
        counter.attach(clients.dynamodb())
        found: dict[str, list[str]] = {}
        costs: list[tuple[int, int]] = []
        asked = [j.query for j in queries] + synthetic_queries(synthetic)
        for query in asked:
            counter.reset()
            hits = engine.search(engine.analyse_query(query))
            costs.append((sum(counter.calls.values()), counter.items_read))
            found.setdefault(query, [h.teaser.slug for h in hits])
        counter.reset()
        published = sum(1 for _ in related_store.iter_article_metas(page_size=500))
        scan_calls, scan_items = sum(counter.calls.values()), counter.items_read
        assert published == len(samples) + len(synthetic)
    everyone = samples + synthetic
    count = len(queries)
    return Figures(
        corpus=len(everyone),
        precision=sum(precision_at(found[j.query], j.relevant) for j in queries) / count,
        naive_precision=sum(
            precision_at(naive_search(j.query, everyone), j.relevant) for j in queries
        )
        / count,
        ideal=sum(best_possible(j.relevant) for j in queries) / count,
        calls=sum(c for c, _ in costs) / len(costs),
        max_calls=max(c for c, _ in costs),
        items_read=sum(r for _, r in costs) / len(costs),
        max_items_read=max(r for _, r in costs),
        scan_calls=scan_calls,
        scan_items_read=scan_items,
        seconds=time.perf_counter() - started,
    )


def print_figures(figures: list[Figures], queries: int) -> None:
    """The table, with growth against the corpus growth and the no-index baseline."""
    base = figures[0]
    print(f"\nSearch: {queries} judged queries (+20 synthetic for cost), per query")
    print(
        f"  {'articles':>8} {'P@5':>5} {'naive':>6} {'ideal':>6} {'calls':>6} {'max':>4} "
        f"{'items read':>10} {'max':>5} {'read growth':>11} {'corpus growth':>13} "
        f"{'no-index reads':>14} {'run s':>6}"
    )
    for f in figures:
        print(
            f"  {f.corpus:>8} {f.precision:>5.2f} {f.naive_precision:>6.2f} {f.ideal:>6.2f} "
            f"{f.calls:>6.1f} {f.max_calls:>4} {f.items_read:>10.1f} {f.max_items_read:>5} "
            f"{f.items_read / base.items_read:>10.2f}x {f.corpus / base.corpus:>12.1f}x "
            f"{f.scan_items_read:>14} {f.seconds:>6.0f}"
        )
    if len(figures) > 1:
        small, large = figures[-2], figures[-1]
        print(
            f"  {small.corpus:,} → {large.corpus:,} articles ({large.corpus / small.corpus:.1f}×): "
            f"items read per query {small.items_read:.1f} → {large.items_read:.1f} "
            f"({large.items_read / small.items_read:.2f}×), requests {small.calls:.1f} → "
            f"{large.calls:.1f} ({large.calls / small.calls:.2f}×), a search without an index "
            f"{large.scan_items_read / small.scan_items_read:.1f}×"
        )
    print(
        "  P@5: precision@5 (a query with n < 5 answers scores at most n/5: see 'ideal'); "
        "naive: substring match, newest first;\n  no-index reads: items a search without "
        "an index reads (every published article, through the all-articles index)."
    )


def main(sizes: tuple[int, ...] = (0, 1_000, 10_000)) -> None:
    """Print precision@5 and cost per query at each corpus size."""
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("newsdesk").setLevel(logging.WARNING)
    queries = judged_queries()
    print_figures([measure(size, queries) for size in sizes], len(queries))


if __name__ == "__main__":
    main()
