"""An article as the related engine sees it: analysed text, weighted features, teaser copy.

`analyse` depends on the article alone; `weigh` adds corpus statistics (IDF), so a profile's
weights are those of the moment it was computed. A full recompute refreshes them all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from newsdesk.labels import normalize_label
from newsdesk.logic.related.text import html_to_text, stem_counts
from newsdesk.models import Teaser
from newsdesk.related_records import CATEGORY_PREFIX, DIGITS, TAG_PREFIX, TERM_PREFIX, Profile

# Where a word appears says how much it is about the article: title > subtitle/summary > body.
FIELD_BOOSTS = {"title": 3.0, "subtitle": 2.0, "summary": 2.0, "body": 1.0}
# Terms kept per profile: enough for the similarity, bounded so items stay small.
MAX_TERMS = 96
# Postings per article for its strongest terms (tags and category always get one).
POSTED_TERMS = 24


class Analysis(BaseModel):
    """The corpus-independent part: what the article says, and a fingerprint of it."""

    model_config = ConfigDict(frozen=True)

    slug: str
    category: str
    tags: tuple[str, ...]
    counts: dict[str, float]
    teaser: Teaser
    updated_at: str
    fingerprint: str

    @property
    def features(self) -> tuple[str, ...]:
        """Every feature counted in document frequencies: stems and tags."""
        return tuple(
            sorted(
                [TERM_PREFIX + stem for stem in self.counts]
                + [TAG_PREFIX + tag for tag in self.tags]
            )
        )


def analyse(meta: Mapping[str, Any]) -> Analysis:
    """Analyse a published article item (the publisher's A#META attributes)."""
    teaser = Teaser.model_validate({f: meta[f] for f in Teaser.model_fields if f in meta})
    counts = stem_counts(
        [
            (teaser.title, FIELD_BOOSTS["title"]),
            (teaser.subtitle or "", FIELD_BOOSTS["subtitle"]),
            (teaser.summary or "", FIELD_BOOSTS["summary"]),
            (html_to_text(str(meta.get("body_html", ""))), FIELD_BOOSTS["body"]),
        ]
    )
    tags = tuple(dict.fromkeys(normalize_label(tag) for tag in teaser.tags if tag.strip()))
    category = normalize_label(teaser.category)
    content = json.dumps(
        [teaser.model_dump(mode="json"), sorted(counts.items())], ensure_ascii=False
    )
    return Analysis(
        slug=teaser.slug,
        category=category,
        tags=tags,
        counts=counts,
        teaser=teaser,
        updated_at=str(meta.get("updated_at", "")),
        fingerprint=hashlib.sha256(content.encode()).hexdigest()[:20],
    )


def idf(document_frequency: int, documents: int) -> float:
    """Smoothed, always positive IDF: near 0 for what every article shares ("Ballerup")."""
    documents = max(documents, document_frequency, 1)
    return math.log(1.0 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


def _normalised(weights: dict[str, float], keep: int) -> dict[str, float]:
    """The `keep` strongest weights, scaled to unit length and rounded (stable through storage)."""
    strongest = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
    norm = math.sqrt(sum(w * w for _, w in strongest))
    if norm == 0:
        return {}
    return {key: round(w / norm, DIGITS) for key, w in strongest if round(w / norm, DIGITS)}


def weigh(analysis: Analysis, frequencies: Mapping[str, int], documents: int) -> Profile:
    """Turn an analysis into a profile with the corpus' document frequencies (feature → df)."""
    terms = {
        stem: (1.0 + math.log(count)) * idf(frequencies.get(TERM_PREFIX + stem, 1), documents)
        for stem, count in analysis.counts.items()
        if count > 0
    }
    tag_weights = {
        tag: idf(frequencies.get(TAG_PREFIX + tag, 1), documents) for tag in analysis.tags
    }
    return Profile(
        slug=analysis.slug,
        category=analysis.category,
        tags=analysis.tags,
        terms=_normalised(terms, MAX_TERMS),
        tag_weights=_normalised(tag_weights, len(tag_weights)),
        features=analysis.features,
        teaser=analysis.teaser,
        updated_at=analysis.updated_at,
        fingerprint=analysis.fingerprint,
    )


def posting_features(profile: Profile) -> dict[str, float]:
    """The postings an article gets: strongest terms, every tag, its category (feature → weight)."""
    strongest = sorted(profile.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:POSTED_TERMS]
    postings = {TERM_PREFIX + stem: weight for stem, weight in strongest}
    postings.update({TAG_PREFIX + tag: w for tag, w in profile.tag_weights.items()})
    postings[CATEGORY_PREFIX + profile.category] = 1.0
    return postings
