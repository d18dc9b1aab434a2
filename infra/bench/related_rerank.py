"""Re-ranking ideas tried on the tuning half of the evaluation corpus (`related_eval --tune`).

Each idea re-scores an article's candidates (here every other article, as the engine does in
a small corpus) from the engine's own pairwise signals and profiles, in memory, so none would
add a read per publish: pseudo-relevance feedback (Rocchio), second-order similarity over the
nearest neighbours, tag similarity from tag co-occurrence, and latent semantic analysis over
the candidate set. Articles under the engine's threshold keep the engine's fallback order.
None is in the engine (docs/related.md, "What tuning tried", says why).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from newsdesk.logic.related.maintenance import corpus_stats
from newsdesk.logic.related.scoring import WEIGHTS, Signals, signals
from newsdesk.related_records import SHOWN, TAG_PREFIX, TERM_PREFIX, Profile

type Rescore = Callable[[str, str], float]

# The best feedback setting on the tuning half (k, terms' beta, tags' beta): `--feedback`.
CHOSEN_FEEDBACK = (2, 1.25, 1.0)


@dataclass
class Corpus:
    """Profiles, statistics and the engine's pairwise signals of a corpus."""

    profiles: list[Profile]

    def __post_init__(self) -> None:
        self.by = {p.slug: p for p in self.profiles}
        self.slugs = sorted(self.by)
        self.stats = corpus_stats(self.profiles)
        self.pairs: dict[tuple[str, str], Signals] = {
            (a, b): signals(self.by[a], self.by[b], self.stats)
            for a in self.slugs
            for b in self.slugs
            if a != b
        }

    def score(self, a: str, b: str) -> float:
        """The engine's pairwise score."""
        return self.pairs[(a, b)].score()

    def nearest(self, a: str, k: int) -> list[str]:
        """The `k` best-scoring other articles of `a`."""
        return sorted((b for b in self.slugs if b != a), key=lambda b: (-self.score(a, b), b))[:k]

    def spec(self, feature: str) -> float:
        """Specificity of a feature under the corpus statistics."""
        return self.stats.specificity(feature)

    def lists(self, rescore: Rescore) -> dict[str, list[str]]:
        """Lists ranked by `rescore` above the threshold, the engine's fallback order below."""
        lists = {}
        for a in self.slugs:
            owner = self.by[a]
            keys = []
            for b in self.slugs:
                if b == a:
                    continue
                found, other = self.pairs[(a, b)], self.by[b]
                value = round(rescore(a, b), 6)
                newer = -other.published_at.timestamp()
                if value >= WEIGHTS.threshold:
                    keys.append(((1, -value, newer, b), b))
                    continue
                distance = abs(newer + owner.published_at.timestamp())
                fallback = (-found.tags, -found.shared_tags, -int(found.same_category))
                keys.append(((2, *fallback, -value, distance, newer, b), b))
            lists[a] = [b for _, b in sorted(keys)][:SHOWN]
        return lists

    @cached_property
    def tag_documents(self) -> Mapping[str, set[str]]:
        """The articles carrying each tag."""
        documents: dict[str, set[str]] = defaultdict(set)
        for p in self.profiles:
            for tag in p.tags:
                documents[tag].add(p.slug)
        return documents


def feedback(corpus: Corpus, k: int, beta: float, tag_beta: float) -> Rescore:
    """Rocchio: the query plus `beta` (tags: `tag_beta`) times the score-weighted mean of its
    `k` nearest articles (those above the threshold), unit length, scored like the engine."""
    queries: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    for a in corpus.slugs:
        owner = corpus.by[a]
        near = [b for b in corpus.nearest(a, k) if corpus.score(a, b) >= WEIGHTS.threshold]
        total = sum(corpus.score(a, b) for b in near) or 1.0
        terms, tags = dict(owner.terms), dict.fromkeys(owner.tags, 1.0)
        for b in near:
            share = corpus.score(a, b) / total
            for term, weight in corpus.by[b].terms.items():
                terms[term] = terms.get(term, 0.0) + beta * share * weight
            for tag in corpus.by[b].tags:
                tags[tag] = tags.get(tag, 0.0) + tag_beta * share
        queries[a] = (_unit(terms), _unit(tags))

    def rescore(a: str, b: str) -> float:
        terms, tags = queries[a]
        other = corpus.by[b]
        text = sum(
            w * other.terms.get(t, 0.0) * corpus.spec(TERM_PREFIX + t) for t, w in terms.items()
        )
        shared = sum(w * corpus.spec(TAG_PREFIX + g) for g, w in tags.items() if g in other.tags)
        return WEIGHTS.text * text + WEIGHTS.tags * shared / math.sqrt(len(other.tags) or 1)

    return rescore


def second_order(corpus: Corpus, k: int, lam: float) -> Rescore:
    """score(a, c) + lam * score-weighted mean over b in the k nearest of a of score(b, c)."""
    near = {a: corpus.nearest(a, k) for a in corpus.slugs}

    def rescore(a: str, c: str) -> float:
        bs = [b for b in near[a] if b != c]
        weight = sum(corpus.score(a, b) for b in bs) or 1.0
        spread = sum(corpus.score(a, b) * corpus.score(b, c) for b in bs) / weight
        return corpus.score(a, c) + lam * spread

    return rescore


def tag_cooccurrence(corpus: Corpus, gamma: float, tag_weight: float) -> Rescore:
    """Tags also match related tags: cosine of their article sets, times `gamma`."""

    def related(g: str, h: str) -> float:
        if g == h:
            return 1.0
        a, b = corpus.tag_documents[g], corpus.tag_documents[h]
        return gamma * len(a & b) / math.sqrt(len(a) * len(b))

    def rescore(a: str, c: str) -> float:
        ta, tc = corpus.by[a].tags, corpus.by[c].tags
        soft = sum(
            related(g, h) * math.sqrt(corpus.spec(TAG_PREFIX + g) * corpus.spec(TAG_PREFIX + h))
            for g in ta
            for h in tc
        )
        tags = soft / math.sqrt(len(ta) * len(tc)) if ta and tc else 0.0
        return (1 - tag_weight) * corpus.pairs[(a, c)].text + tag_weight * tags

    return rescore


def latent(corpus: Corpus, rank: int, mu: float, tag_weight: float = 0.5) -> Rescore:
    """LSA: the engine's score plus `mu` times the cosine of the articles in the `rank`
    strongest dimensions of their (specificity-weighted terms + tags) Gram matrix."""
    vectors = []
    for slug in corpus.slugs:
        p = corpus.by[slug]
        vector = {t: w * math.sqrt(corpus.spec(TERM_PREFIX + t)) for t, w in p.terms.items()}
        for tag in p.tags:
            scale = math.sqrt(corpus.spec(TAG_PREFIX + tag) / len(p.tags))
            vector["#" + tag] = tag_weight * scale
        vectors.append(vector)
    gram = [[sum(w * v.get(t, 0.0) for t, w in u.items()) for v in vectors] for u in vectors]
    values, vecs = _eigen(gram)
    kept = sorted(range(len(values)), key=lambda i: -values[i])[:rank]
    n = len(vectors)
    low = [
        [sum(values[k] * vecs[i][k] * vecs[j][k] for k in kept) for j in range(n)] for i in range(n)
    ]
    index = {slug: i for i, slug in enumerate(corpus.slugs)}

    def rescore(a: str, c: str) -> float:
        i, j = index[a], index[c]
        cosine = low[i][j] / math.sqrt(max(low[i][i], 1e-12) * max(low[j][j], 1e-12))
        return corpus.score(a, c) + mu * max(cosine, 0.0)

    return rescore


def _unit(weights: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {key: w / norm for key, w in weights.items()}


def _eigen(matrix: list[list[float]], sweeps: int = 30) -> tuple[list[float], list[list[float]]]:
    """Eigenvalues and eigenvectors (columns) of a symmetric matrix (cyclic Jacobi)."""
    n = len(matrix)
    a = [row[:] for row in matrix]
    v = [[float(i == j) for j in range(n)] for i in range(n)]
    for _ in range(sweeps):
        if sum(a[i][j] ** 2 for i in range(n) for j in range(n) if i != j) < 1e-18:
            break
        for p in range(n):
            for q in range(p + 1, n):
                if abs(a[p][q]) < 1e-15:
                    continue
                theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                t = math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1))
                c = 1 / math.sqrt(t * t + 1)
                s = t * c
                for rows in (a, v):
                    for row in rows:
                        row[p], row[q] = c * row[p] - s * row[q], s * row[p] + c * row[q]
                for k in range(n):
                    a[p][k], a[q][k] = c * a[p][k] - s * a[q][k], s * a[p][k] + c * a[q][k]
    return [a[i][i] for i in range(n)], v


def variants(corpus: Corpus) -> list[tuple[str, Rescore]]:
    """The re-rankings `--tune` prints (a representative part of the grids tried)."""
    rows: list[tuple[str, Rescore]] = [("engine (no re-ranking)", corpus.score)]
    for k, beta, tag_beta in (
        (1, 1.0, 1.0),
        (2, 1.25, 1.0),
        (2, 1.25, 0.0),
        (2, 0.5, 1.0),
        (3, 1.25, 1.0),
        (4, 1.25, 1.0),
    ):
        name = f"feedback k={k} terms x{beta} tags x{tag_beta}"
        rows.append((name, feedback(corpus, k, beta, tag_beta)))
    for k, lam in ((2, 1.0), (2, 2.0), (4, 1.0), (4, 2.0), (6, 1.0)):
        rows.append((f"second-order k={k} lambda={lam}", second_order(corpus, k, lam)))
    for gamma, weight in ((0.5, 0.2), (1.0, 0.2), (0.5, 0.3)):
        name = f"tag co-occurrence x{gamma}, tags {weight}"
        rows.append((name, tag_cooccurrence(corpus, gamma, weight)))
    for rank in (5, 10, 15, 20):
        rows.append((f"LSA rank {rank}, +0.1 cosine", latent(corpus, rank, 0.1)))
    return rows
