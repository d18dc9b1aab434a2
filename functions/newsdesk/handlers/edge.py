"""Shared by the publish and related handlers: invalidate at the CDN what an invocation changed.

A failed invalidation never fails the invocation: the change is committed, a retry would
find nothing left to do (and so nothing to invalidate), and the edge copy expires by its TTL
anyway. It is logged and counted (`CdnInvalidationFailures`) instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from newsdesk.dal import cdn
from newsdesk.logic import freshness
from newsdesk.observability import logger, metrics


@contextmanager
def invalidating_changes() -> Iterator[None]:
    """Collect the stale paths of the block, then invalidate them in one request."""
    with freshness.collect() as stale:
        try:
            yield
        finally:
            _invalidate(stale)


def _invalidate(stale: set[str]) -> None:
    try:
        submitted = cdn.invalidate(stale)
    except (ClientError, BotoCoreError):
        logger.exception("CDN invalidation failed", extra={"paths": sorted(stale)})
        metrics.add_metric(name="CdnInvalidationFailures", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="CdnPathsInvalidated", unit=MetricUnit.Count, value=len(submitted))
    if submitted:
        logger.info("CDN paths invalidated", extra={"paths": submitted})
