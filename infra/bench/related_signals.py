"""Meaning signals from outside the engine, tried on the evaluation corpus.

The engine's misses share few words with the article (docs/related.md, "What tuning tried"),
so the next candidate signals are ones that know what words mean. Two are measurable here
without changing the engine:

- `--embeddings FILE`: a JSON object `{slug: [float, ...]}` of sentence embeddings of the
  evaluation articles, made by any model. Printed: the embedding's own lists (cosine, raw and
  mean-centred) and the engine's score plus mu times the centred cosine.
- `--thesaurus FILE`: a thesaurus in the MyThes format (LibreOffice's `th_<lang>.dat`). Each
  of an article's terms also counts, at alpha times its weight divided by the square root of
  their number, as its one-word synonyms or hypernyms (the heads whose `(underbegreb)` it is).

Both halves are printed; a setting is chosen on the tuning half only. Neither signal is in the
engine: docs/related.md, "Meaning signals", gives the figures and why.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsdesk.logic.related import text as analysis
from newsdesk.logic.related.profile import FIELD_BOOSTS, MAX_TERMS, unit_vector
from newsdesk.models import Article

from infra.bench.related_eval import (
    Figures,
    Variant,
    engine_lists,
    eval_articles,
    figures,
    judgments,
    profiles_of,
)
from infra.bench.related_rerank import Corpus

type Relations = Mapping[str, Mapping[str, set[str]]]

_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


def read_thesaurus(path: Path) -> dict[str, dict[str, set[str]]]:
    """{"synonym": {stem: stems}, "hypernym": {stem: stems}} of a MyThes file (one-word
    entries only: a multi-word entry cannot match a term)."""
    relations: dict[str, dict[str, set[str]]] = {
        "synonym": defaultdict(set),
        "hypernym": defaultdict(set),
    }
    lines = iter(path.read_text(encoding="utf-8").splitlines()[1:])
    for entry in lines:
        head, _, count = entry.rpartition("|")
        head = head.strip().lower()
        for line in itertools.islice(lines, int(count)):
            for item in line.split("|")[1:]:
                word = _QUALIFIER.sub("", item.strip().lower())
                if not word or " " in word or " " in head:
                    continue
                if item.strip().endswith("(underbegreb)"):
                    relations["hypernym"][analysis.stem(word)].add(analysis.stem(head))
                elif "(" not in item:
                    relations["synonym"][analysis.stem(head)].add(analysis.stem(word))
    return relations


@dataclass(frozen=True)
class Expanded(Variant):
    """The engine's analysis, each term also counting as its related stems."""

    relations: Relations = field(default_factory=dict)
    kinds: tuple[str, ...] = ("synonym",)
    alpha: float = 0.2

    def terms(self, article: Article) -> dict[str, float]:
        """The unit-length term vector with the expansion added before the cut to 128 terms."""
        weights = self.weights(article)
        extra: Counter[str] = Counter()
        for term, weight in weights.items():
            related = set().union(*(self.relations[k].get(term, set()) for k in self.kinds))
            related.discard(term)
            for other in related:
                extra[other] += self.alpha * weight / math.sqrt(len(related))
        for other, weight in extra.items():
            weights[other] = weights.get(other, 0.0) + weight
        return unit_vector(weights, MAX_TERMS)


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def embedding_rows(
    corpus: Corpus, vectors: Mapping[str, list[float]]
) -> list[tuple[str, dict[str, list[str]]]]:
    """Lists of the embedding alone and of the engine's score plus mu times it."""
    raw = {s: _unit(vectors[s]) for s in corpus.slugs}
    mean = [sum(col) / len(raw) for col in zip(*raw.values(), strict=True)]
    centred = {s: _unit([x - m for x, m in zip(v, mean, strict=True)]) for s, v in raw.items()}

    def alone(space: Mapping[str, list[float]]) -> dict[str, list[str]]:
        return {
            a: sorted((b for b in corpus.slugs if b != a), key=lambda b: -_dot(space[a], space[b]))
            for a in corpus.slugs
        }

    rows = [("embedding alone (cosine)", alone(raw)), ("embedding alone (centred)", alone(centred))]
    rows.append(("engine", corpus.lists(corpus.score)))
    for mu in (0.05, 0.1, 0.2, 0.3, 0.5):
        lists = corpus.lists(
            lambda a, b, mu=mu: corpus.score(a, b) + mu * _dot(centred[a], centred[b])
        )
        rows.append((f"engine + {mu} x centred cosine", lists))
    return rows


def thesaurus_rows(
    articles: list[Article], relations: Relations
) -> list[tuple[str, dict[str, list[str]]]]:
    """Lists of the engine with its terms expanded by synonyms and/or hypernyms."""
    rows = [("engine", engine_lists(articles))]
    for kinds in (("synonym",), ("hypernym",), ("synonym", "hypernym")):
        for alpha in (0.1, 0.2, 0.35, 0.5):
            variant = Expanded(
                "+".join(kinds), FIELD_BOOSTS, relations=relations, kinds=kinds, alpha=alpha
            )
            rows.append((f"{'+'.join(kinds)} x {alpha}", engine_lists(articles, variant=variant)))
    return rows


def _print(title: str, rows: list[tuple[str, dict[str, list[str]]]]) -> None:
    judged = judgments()
    print(f"\n{title}")
    print(
        f"  {'lists':<36} {'tuning recall@4':>15} {'nDCG@4':>7} {'test recall@4':>13} {'nDCG@4':>7}"
    )
    for name, lists in rows:
        tuning: Figures = figures(lists, judged["tuning"])
        test: Figures = figures(lists, judged["test"])
        print(
            f"  {name:<36} {tuning.recall:>15.3f} {tuning.ndcg:>7.3f} "
            f"{test.recall:>13.3f} {test.ndcg:>7.3f}"
        )


def main(argv: list[str] | None = None) -> None:
    """Print the figures of the signals given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", type=Path, help="JSON {slug: [float, ...]}")
    parser.add_argument("--thesaurus", type=Path, help="a MyThes .dat file")
    args = parser.parse_args(argv)
    logging.getLogger("newsdesk").setLevel(logging.WARNING)
    articles = eval_articles()
    if args.embeddings:
        vectors = json.loads(args.embeddings.read_text(encoding="utf-8"))
        corpus = Corpus(profiles_of(articles))
        _print(f"Embeddings from {args.embeddings.name}", embedding_rows(corpus, vectors))
    if args.thesaurus:
        relations = read_thesaurus(args.thesaurus)
        _print(f"Thesaurus {args.thesaurus.name}", thesaurus_rows(articles, relations))


if __name__ == "__main__":
    main()
