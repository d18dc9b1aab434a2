"""Related teasers of an article that is not live yet, as they would be computed now.

The same steps as `maintenance.sync` for a new article, read-only: analyse, weigh against
the corpus (counting the article itself, as going live will), generate candidates from the
postings, keep the best. Nothing is written, so a preview never changes what readers see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsdesk.dal import related as store
from newsdesk.logic.related.candidates import candidate_pool, caps_for
from newsdesk.logic.related.profile import analyse, weigh
from newsdesk.logic.related.scoring import top
from newsdesk.models import Teaser
from newsdesk.related_records import SHOWN


def related_now(meta: Mapping[str, Any]) -> list[Teaser]:
    """The teasers an article page would show for `meta` (a META item) if it went live now."""
    analysis = analyse(meta)
    documents, frequencies = store.get_stats(analysis.features)
    counted = {feature: frequencies.get(feature, 0) + 1 for feature in analysis.features}
    profile = weigh(analysis, counted, documents + 1)
    pool = candidate_pool(profile, store.DynamoPostings(), caps_for(documents + 1))
    profiles = store.get_profiles(set(pool) - {profile.slug})
    return [entry.teaser for entry in top(profile, list(profiles.values()))[:SHOWN]]
