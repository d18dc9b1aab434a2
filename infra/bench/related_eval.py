"""Related teasers' quality on an evaluation corpus the engine was not written against.

`infra/bench/eval/` holds 50 Danish articles in the magazine's style over 10 topics, each with
the four related articles a reader would pick (`judgments.json`), split into a tuning half
(topics A-E, used to choose weights) and a test half (topics F-J, only reported). The system's
lists are read back from the API's store after the articles went through the related handler
(streamed, in moto), and compared with two baselines computed from the same parsed articles:
"newest in the same category" and plain TF-IDF (cosine of stems, no compounds, tags or
category). `python -m infra.bench.related_eval` prints the figures; `--tune` prints a grid of
weights, analysis variants and re-rankings on the tuning half; `--feedback` both halves for
the re-ranking chosen there.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from newsdesk.dal.articles import article_items, get_article
from newsdesk.logic.publishing.parsing import parse_article
from newsdesk.logic.related import text as analysis
from newsdesk.logic.related.maintenance import corpus_stats
from newsdesk.logic.related.profile import FIELD_BOOSTS, MAX_TERMS, analyse, unit_vector
from newsdesk.logic.related.scoring import WEIGHTS, Weights, select
from newsdesk.logic.related.text import html_to_text, stem_counts
from newsdesk.models import Article
from newsdesk.related_records import SHOWN, Profile

from infra.bench.related_rerank import CHOSEN_FEEDBACK, Corpus, feedback
from infra.bench.related_rerank import variants as rerankings

EVAL = Path(__file__).resolve().parent / "eval"
RECEIVED_AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)

type Lists = Mapping[str, list[str]]


def FEEDBACK(corpus: Corpus) -> Callable[[str, str], float]:
    """The feedback setting chosen on the tuning half (`--tune`), checked by `--feedback`."""
    return feedback(corpus, 2, 1.25, 1.0)


def eval_articles(folder: Path = EVAL) -> list[Article]:
    """The evaluation articles, parsed by the publisher's own parser."""
    return [
        parse_article(
            f"articles/{path.name}",
            path.read_bytes(),
            received_at=RECEIVED_AT,
            words_per_minute=200,
        )
        for path in sorted((folder / "articles").glob("*.md"))
    ]


def judgments(folder: Path = EVAL) -> dict[str, dict[str, list[str]]]:
    """{"tuning": {slug: [four slugs]}, "test": {...}}."""
    loaded: dict[str, dict[str, list[str]]] = json.loads(
        (folder / "judgments.json").read_text(encoding="utf-8")
    )
    return loaded


def recall_at_4(shown: list[str], relevant: list[str]) -> float:
    """Share of the four relevant articles among the four shown."""
    return len(set(shown[:SHOWN]) & set(relevant)) / len(relevant)


def ndcg_at_4(shown: list[str], relevant: list[str]) -> float:
    """Binary-gain nDCG@4: relevant articles shown higher count more."""
    gains = [1.0 if slug in relevant else 0.0 for slug in shown[:SHOWN]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), SHOWN)))
    return dcg / ideal if ideal else 0.0


@dataclass(frozen=True)
class Figures:
    """Mean recall@4 and nDCG@4 of a set of lists over judged articles, and short pages."""

    recall: float
    ndcg: float
    short_pages: int
    pages: int


def figures(lists: Lists, judged: Mapping[str, list[str]]) -> Figures:
    """Figures of `lists` on the articles of `judged`."""
    recalls = [recall_at_4(lists.get(s, []), rel) for s, rel in judged.items()]
    ndcgs = [ndcg_at_4(lists.get(s, []), rel) for s, rel in judged.items()]
    short = sum(len(lists.get(s, [])) < SHOWN for s in judged)
    return Figures(sum(recalls) / len(recalls), sum(ndcgs) / len(ndcgs), short, len(judged))


def profiles_of(articles: list[Article]) -> list[Profile]:
    """Profiles as the related function builds them from the stored META items."""
    return [analyse(article_items(a, source_key=f"articles/{a.slug}.md")[0]) for a in articles]


def engine_lists(
    articles: list[Article], weights: Weights = WEIGHTS, variant: Variant | None = None
) -> dict[str, list[str]]:
    """The engine's lists computed in memory (the selection the stream settles on).

    `variant` swaps the profiles' term vectors for those of an analysis variant (`--tune`).
    """
    profiles = profiles_of(articles)
    if variant is not None:
        by_slug = {a.slug: a for a in articles}
        profiles = [
            p.model_copy(update={"terms": variant.terms(by_slug[p.slug])}) for p in profiles
        ]
    stats = corpus_stats(profiles)
    return {p.slug: [e.slug for e in select(p, profiles, stats, weights=weights)] for p in profiles}


@dataclass(frozen=True)
class Variant:
    """An analysis the engine could use instead of its own: field boosts (`tags` = the tags'
    words as text), compound part weight, adjacent-stem bigrams, term-frequency saturation
    (`saturation` = BM25's k1; 0 = the engine's 1 + log tf)."""

    name: str
    boosts: Mapping[str, float]
    part: float = analysis.PART_WEIGHT
    bigrams: float = 0.0
    saturation: float = 0.0

    def terms(self, article: Article) -> dict[str, float]:
        """The unit-length term vector of `article` under this variant."""
        return unit_vector(self.weights(article), MAX_TERMS)

    def weights(self, article: Article) -> dict[str, float]:
        """Each term's weight in `article` under this variant, before the cut to unit length."""
        fields = {
            "title": article.title,
            "subtitle": article.subtitle or "",
            "summary": article.summary or "",
            "body": html_to_text(article.body_html),
            "tags": " ".join(article.tags),
        }
        counts: Counter[str] = Counter()
        stop = analysis.stopwords()
        for name, boost in self.boosts.items():
            previous = ""
            for word in analysis.words(fields[name]):
                if word in stop:
                    previous = ""
                    continue
                whole = analysis.stem(word)
                if self.bigrams and previous:
                    counts[f"{previous}_{whole}"] += boost * self.bigrams
                counts[whole] += boost
                previous = whole
                for part in {analysis.stem(p) for p in analysis.compound_parts(word)} - {whole}:
                    counts[part] += boost * self.part
        k = self.saturation
        return {
            t: c * (k + 1) / (c + k) if k else (1.0 + math.log(c) if c >= 1 else c)
            for t, c in counts.items()
        }


ENGINE_BOOSTS = {**FIELD_BOOSTS, "tags": 0.0}
VARIANTS = (
    Variant("engine's analysis", ENGINE_BOOSTS),
    Variant("no field boosts", {"title": 1, "subtitle": 1, "summary": 1, "body": 1}),
    Variant("title x4, summary x3", {**ENGINE_BOOSTS, "title": 4.0, "summary": 3.0}),
    Variant("tags' words as text x2", {**ENGINE_BOOSTS, "tags": 2.0}),
    Variant("BM25 saturation k1=1.2", ENGINE_BOOSTS, saturation=1.2),
    Variant("BM25 saturation k1=3", ENGINE_BOOSTS, saturation=3.0),
    Variant("compound parts x0.25", ENGINE_BOOSTS, part=0.25),
    Variant("compound parts x1", ENGINE_BOOSTS, part=1.0),
    Variant("adjacent-stem bigrams x0.5", ENGINE_BOOSTS, bigrams=0.5),
    Variant("adjacent-stem bigrams x1", ENGINE_BOOSTS, bigrams=1.0),
)


def newest_same_category(articles: list[Article]) -> dict[str, list[str]]:
    """Baseline: the four newest other articles of the same category."""
    newest = sorted(articles, key=lambda a: (a.published_at, a.slug), reverse=True)
    return {
        a.slug: [o.slug for o in newest if o.category == a.category and o.slug != a.slug][:SHOWN]
        for a in articles
    }


def plain_tfidf(articles: list[Article]) -> dict[str, list[str]]:
    """Baseline: cosine of field-boosted, sublinear TF-IDF stem vectors (no tags, no category)."""
    counts = {
        a.slug: stem_counts(
            [
                (a.title, FIELD_BOOSTS["title"]),
                (a.subtitle or "", FIELD_BOOSTS["subtitle"]),
                (a.summary or "", FIELD_BOOSTS["summary"]),
                (html_to_text(a.body_html), FIELD_BOOSTS["body"]),
            ]
        )
        for a in articles
    }
    df = Counter(term for c in counts.values() for term in c)
    n = len(articles)
    vectors: dict[str, dict[str, float]] = {}
    for slug, c in counts.items():
        raw = {t: (1 + math.log(v)) * math.log(n / df[t]) for t, v in c.items()}
        norm = math.sqrt(sum(w * w for w in raw.values())) or 1.0
        vectors[slug] = {t: w / norm for t, w in raw.items()}

    def cosine(a: str, b: str) -> float:
        return sum(w * vectors[b].get(t, 0.0) for t, w in vectors[a].items())

    return {
        a: sorted((b for b in vectors if b != a), key=lambda b: (-cosine(a, b), b))[:SHOWN]
        for a in vectors
    }


def streamed_lists(articles: list[Article]) -> dict[str, list[str]]:
    """The lists the API serves after publishing every article through the related handler."""
    from infra.bench.related import moto_table, publish_in_order  # noqa: PLC0415 - moto only here

    with moto_table() as room:
        publish_in_order(room, articles)
        pages = {a.slug: get_article(a.slug) for a in articles}
    return {slug: [t.slug for t in page.related] if page else [] for slug, page in pages.items()}


def print_figures(title: str, rows: list[tuple[str, Figures]]) -> None:
    """A small table of figures."""
    print(f"\n{title}")
    print(f"  {'lists':<40} {'recall@4':>8} {'nDCG@4':>7} {'pages < 4':>9}")
    for name, f in rows:
        print(f"  {name:<40} {f.recall:>8.3f} {f.ndcg:>7.3f} {f.short_pages:>4} / {f.pages}")


def main(argv: list[str] | None = None) -> None:
    """Print the test half's figures (and the tuning half's), or a tuning grid with --tune."""
    args = sys.argv[1:] if argv is None else argv
    logging.getLogger("newsdesk").setLevel(logging.WARNING)  # the handlers' Powertools logger
    articles = eval_articles()
    judged = judgments()
    if "--tune" in args:
        tune(articles, judged["tuning"])
        return
    if "--feedback" in args:
        check_feedback(articles, judged)
        return
    served = streamed_lists(articles)
    baselines: list[tuple[str, Callable[[list[Article]], dict[str, list[str]]]]] = [
        ("newest in the same category", newest_same_category),
        ("plain TF-IDF (stems, cosine)", plain_tfidf),
    ]
    for half in ("test", "tuning"):
        rows = [("related teasers (served by the API)", figures(served, judged[half]))]
        rows += [(name, figures(build(articles), judged[half])) for name, build in baselines]
        print_figures(
            f"Related teasers on the evaluation corpus, {half} half "
            f"({len(judged[half])} judged pages, {len(articles)} articles)",
            rows,
        )


def tune(articles: list[Article], judged: Mapping[str, list[str]]) -> None:
    """Figures on the tuning half for a grid of weights (what chose `WEIGHTS`)."""
    header = f"{'text':>5} {'tags':>5} {'cat':>5} {'thresh':>6} {'sharp':>5}"
    print(f"  {header} {'recall@4':>8} {'nDCG@4':>7}")
    blends = ((0.75, 0.2, 0.05), (0.8, 0.2, 0.0), (0.7, 0.3, 0.0), (0.9, 0.1, 0.0))
    for (text, tags, category), threshold, sharpness in itertools.product(
        blends, (0.04, 0.06, 0.08), (1.0, 2.0)
    ):
        weights = replace(
            WEIGHTS,
            text=text,
            tags=tags,
            category=category,
            threshold=threshold,
            sharpness=sharpness,
        )
        f = figures(engine_lists(articles, weights), judged)
        print(
            f"  {text:>5} {tags:>5} {category:>5} {threshold:>6} {sharpness:>5} "
            f"{f.recall:>8.3f} {f.ndcg:>7.3f}"
        )
    print(f"\n  {'analysis variant (engine weights)':<36} {'recall@4':>8} {'nDCG@4':>7}")
    for variant in VARIANTS:
        f = figures(engine_lists(articles, variant=variant), judged)
        print(f"  {variant.name:<36} {f.recall:>8.3f} {f.ndcg:>7.3f}")
    corpus = Corpus(profiles_of(articles))
    title = "re-ranking of the candidates (engine weights)"
    print(f"\n  {title:<46} {'recall@4':>8} {'nDCG@4':>7}")
    for name, rescore in rerankings(corpus):
        f = figures(corpus.lists(rescore), judged)
        print(f"  {name:<46} {f.recall:>8.3f} {f.ndcg:>7.3f}")


def check_feedback(articles: list[Article], judged: Mapping[str, Mapping[str, list[str]]]) -> None:
    """Both halves for the one re-ranking chosen on the tuning half (`CHOSEN_FEEDBACK`), against
    the engine: the held-out check that kept it out of the engine."""
    corpus = Corpus(profiles_of(articles))
    lists = {
        "engine": corpus.lists(corpus.score),
        "feedback": corpus.lists(feedback(corpus, *CHOSEN_FEEDBACK)),
    }
    for half in ("test", "tuning"):
        rows = [(name, figures(found, judged[half])) for name, found in lists.items()]
        print_figures(f"Pseudo-relevance feedback, {half} half (in memory)", rows)


if __name__ == "__main__":
    main()
