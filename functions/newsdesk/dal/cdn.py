"""Edge invalidation: one CloudFront invalidation per invocation for the paths that changed.

The distribution comes from the template (`CDN_DISTRIBUTION_ID`); empty (the local stack,
tests) means no CDN and nothing to do. CloudFront allows 15 wildcard paths in progress per
distribution: should a burst of publishes exceed that, the exact paths are still sent and the
wildcard's lists refresh by their TTL (docs/adr/0005-cdn-freshness.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from botocore.exceptions import ClientError

from newsdesk.config import settings
from newsdesk.dal.clients import cloudfront

_TOO_MANY = "TooManyInvalidationsInProgress"


def _submit(distribution_id: str, paths: list[str]) -> None:
    cloudfront().create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": uuid.uuid4().hex,
        },
    )


def invalidate(paths: Iterable[str]) -> list[str]:
    """Invalidate `paths` (deduplicated) in one request; the paths actually submitted."""
    distribution_id = settings().cdn_distribution_id
    unique = sorted(set(paths))
    if not distribution_id or not unique:
        return []
    try:
        _submit(distribution_id, unique)
    except ClientError as error:
        exact = [path for path in unique if not path.endswith("*")]
        if error.response.get("Error", {}).get("Code") != _TOO_MANY or exact == unique:
            raise
        if not exact:
            return []
        _submit(distribution_id, exact)
        return exact
    return unique
