"""Related teasers of an article that is not live yet, as they would be chosen now.

The same selection as `maintenance` makes when the article goes live, read-only: analyse it,
count it in the corpus statistics (as going live will), take the candidates (every live
article in a small corpus, the postings' pool in a large one) and select with pins first.
Nothing is written, so a preview never changes what readers see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsdesk.dal import related as store
from newsdesk.logic.related.candidates import candidate_pool, caps_for
from newsdesk.logic.related.maintenance import SMALL_CORPUS
from newsdesk.logic.related.profile import analyse
from newsdesk.logic.related.scoring import Stats, select
from newsdesk.models import RelatedTeaser


def related_now(meta: Mapping[str, Any]) -> list[RelatedTeaser]:
    """The teasers an article page would show for `meta` (a META item) if it went live now."""
    profile = analyse(meta)
    documents, frequencies = store.get_stats(profile.features)
    counted = {feature: frequencies.get(feature, 0) + 1 for feature in profile.features}
    stats = Stats(documents + 1, counted)
    if documents < SMALL_CORPUS:
        pool = store.live_slugs()
    else:
        pool = candidate_pool(profile, store.DynamoPostings(), caps_for(stats.documents), stats)
    profiles = store.get_profiles({*pool, *profile.pins} - {profile.slug})
    pinned = {p: profiles[p] for p in profile.pins if p in profiles}
    candidates = [profiles[slug] for slug in pool if slug in profiles]
    return [
        RelatedTeaser.model_validate(entry.teaser.model_dump() | {"reason": entry.reason})
        for entry in select(profile, candidates, stats, pinned)
    ]
