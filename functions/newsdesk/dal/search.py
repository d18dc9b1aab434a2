"""What search reads: the related index's term postings and statistics, and teasers by slug.

Search owns no index of its own. The postings and frequencies are the related engine's
(`newsdesk.dal.related`); the two functions in the first section are the only places search
touches them, so a change of their layout is a change here only.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal import related as related_index
from newsdesk.dal.articles import TEASER_FIELDS, teaser_from_item
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import from_dynamo
from newsdesk.models import Teaser
from newsdesk.related_records import TAG_PREFIX, TERM_PREFIX

_BATCH_GET = 100
_RETRY_PAUSE = 0.02

# --- The related index, read-only ----------------------------------------------------------


def term_postings(stem: str, limit: int) -> list[tuple[str, float]]:
    """(article slug, weight) of the `limit` articles a stem weighs most in (one Query)."""
    return related_index.DynamoPostings().postings(TERM_PREFIX + stem, limit)


def tag_postings(label: str, limit: int) -> list[tuple[str, float]]:
    """(article slug, weight) of articles tagged `label` (normal form), strongest first."""
    return related_index.DynamoPostings().postings(TAG_PREFIX + label, limit)


def statistics(stems: Iterable[str], labels: Iterable[str]) -> tuple[int, dict[str, int]]:
    """Number of indexed articles and document frequencies (one BatchGetItem).

    Keys of the answer: "w:<stem>" and "t:<label>", as in the related index.
    """
    features = [TERM_PREFIX + s for s in stems] + [TAG_PREFIX + label for label in labels]
    return related_index.get_stats(features)


# --- Articles ------------------------------------------------------------------------------


def teasers(slugs: Iterable[str]) -> dict[str, Teaser]:
    """The live teasers of these articles (BatchGetItem of META, teaser attributes only)."""
    wanted = list(dict.fromkeys(slugs))
    names = {f"#f{i}": name for i, name in enumerate(TEASER_FIELDS)}
    found: dict[str, Teaser] = {}
    for start in range(0, len(wanted), _BATCH_GET):
        pending: dict[str, Any] = {
            settings().table_name: {
                "Keys": [
                    {"PK": {"S": keys.article_pk(slug)}, "SK": {"S": keys.ARTICLE_SK}}
                    for slug in wanted[start : start + _BATCH_GET]
                ],
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
            }
        }
        while pending:
            response = dynamodb().batch_get_item(RequestItems=pending)
            for raw in response.get("Responses", {}).get(settings().table_name, []):
                teaser = teaser_from_item(from_dynamo(raw))
                found[teaser.slug] = teaser
            pending = response.get("UnprocessedKeys") or {}
            if pending:
                time.sleep(_RETRY_PAUSE)
    return found
