"""An article as the related engine sees it: its terms, tags, category, pins and teaser copy.

`analyse` depends on the article alone. Corpus statistics (IDF) are applied when a list is
selected (`scoring`), so a profile written once stays right however the corpus changes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from newsdesk.labels import normalize_label
from newsdesk.logic.related.text import html_to_text, term_counts
from newsdesk.models import Teaser
from newsdesk.related_records import (
    CATEGORY_PREFIX,
    DIGITS,
    PINS_ATTRIBUTE,
    SHOWN,
    TAG_PREFIX,
    TERM_PREFIX,
    Profile,
)

# Where a word appears says how much it is about the article: title > subtitle/summary > body.
FIELD_BOOSTS = {"title": 3.0, "subtitle": 2.0, "summary": 2.0, "body": 1.0}
# Terms kept per profile (by boosted frequency): bounds items and document-frequency reads.
MAX_TERMS = 128
# Terms per article that get a posting (by frequency); tags and category always get one.
POSTED_TERMS = 32
# Characters of body text analysed: ten times a long article, whose topic is set long before.
# It bounds what one valid but hostile body (350 KB of long made-up compounds) costs a stream
# batch of 25 records to well under the function's timeout.
MAX_BODY_CHARACTERS = 50_000


def _pins(meta: Mapping[str, Any], slug: str) -> tuple[str, ...]:
    raw = meta.get(PINS_ATTRIBUTE) or []
    pins = [str(p) for p in raw if isinstance(p, str) and p and p != slug]
    return tuple(dict.fromkeys(pins))[:SHOWN]


def unit_vector(weights: Mapping[str, float], keep: int) -> dict[str, float]:
    """The `keep` strongest weights, scaled to unit length and rounded (stable through storage)."""
    strongest = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
    norm = math.sqrt(sum(w * w for _, w in strongest))
    if norm == 0:
        return {}
    return {key: round(w / norm, DIGITS) for key, w in strongest if round(w / norm, DIGITS)}


def analyse(meta: Mapping[str, Any]) -> Profile:
    """The profile of a live article item (the publisher's A#META attributes)."""
    teaser = Teaser.model_validate({f: meta[f] for f in Teaser.model_fields if f in meta})
    counts = term_counts(
        [
            (teaser.title, FIELD_BOOSTS["title"]),
            (teaser.subtitle or "", FIELD_BOOSTS["subtitle"]),
            (teaser.summary or "", FIELD_BOOSTS["summary"]),
            (
                html_to_text(str(meta.get("body_html", "")))[:MAX_BODY_CHARACTERS],
                FIELD_BOOSTS["body"],
            ),
        ]
    )
    # Sublinear frequency: the tenth "fællesskab" says less than the first.
    weights = {t: 1.0 + math.log(c) if c >= 1 else c for t, c in counts.items() if c > 0}
    terms = unit_vector(weights, MAX_TERMS)
    tags = tuple(dict.fromkeys(normalize_label(tag) for tag in teaser.tags if tag.strip()))
    pins = _pins(meta, teaser.slug)
    content = json.dumps(
        [teaser.model_dump(mode="json"), sorted(terms.items()), pins], ensure_ascii=False
    )
    return Profile(
        slug=teaser.slug,
        category=normalize_label(teaser.category),
        tags=tags,
        terms=terms,
        pins=pins,
        teaser=teaser,
        updated_at=str(meta.get("updated_at", "")),
        fingerprint=hashlib.sha256(content.encode()).hexdigest()[:20],
    )


def posting_features(profile: Profile) -> dict[str, float]:
    """The postings an article gets: most frequent terms, every tag, its category."""
    strongest = sorted(profile.terms.items(), key=lambda kv: (-kv[1], kv[0]))[:POSTED_TERMS]
    postings = {TERM_PREFIX + term: weight for term, weight in strongest}
    postings.update({TAG_PREFIX + tag: 1.0 for tag in profile.tags})
    postings[CATEGORY_PREFIX + profile.category] = 1.0
    return postings
