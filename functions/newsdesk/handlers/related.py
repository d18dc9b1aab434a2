"""Related function: DynamoDB stream batch (article META changes) → related-list maintenance.

Each record only names the article; `sync` reads the article's current state, so a record's
images are a trigger, not the truth (duplicates and stale records change nothing). Failures are
reported per record, so the stream retries from the first failed one only. The lists of a small
corpus are re-selected once per batch, after its records (`Settlement`); if that fails, the
whole batch fails and is retried (its articles' profiles are still pending, so nothing is lost).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdesk.config import validate_at_init
from newsdesk.dal import keys
from newsdesk.handlers.edge import invalidating_changes
from newsdesk.logic.related.maintenance import Settlement, sync
from newsdesk.observability import logger, metrics

# Only the Globals (table, bucket); checked against template.yaml by a test.
ENVIRONMENT: tuple[str, ...] = ()
validate_at_init(*ENVIRONMENT)

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord, settlement: Settlement | None = None) -> None:
    """Sync the article the record is about (records of other items are ignored)."""
    record_keys: dict[str, Any] = record.raw_event.get("dynamodb", {}).get("Keys", {})
    pk = record_keys.get("PK", {}).get("S", "")
    sk = record_keys.get("SK", {}).get("S", "")
    if sk != keys.ARTICLE_SK or not pk.startswith(keys.ARTICLE_PREFIX):
        logger.warning("ignored record", extra={"pk": pk, "sk": sk})
        return
    slug = pk.removeprefix(keys.ARTICLE_PREFIX)
    outcome = sync(slug, settlement)
    logger.info(
        "related lists synced",
        extra={"slug": slug, "event": record.raw_event.get("eventName"), "outcome": str(outcome)},
    )


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process the batch; answer `batchItemFailures` for the records to retry."""
    settlement = Settlement()

    def handle(record: DynamoDBRecord) -> None:
        record_handler(record, settlement)

    # Pages whose teasers changed leave the CDN in one invalidation per batch.
    with invalidating_changes():
        response: dict[str, Any] = dict(
            process_partial_response(
                event=event, record_handler=handle, processor=processor, context=context
            )
        )
        articles = len(settlement)
        if articles:
            settlement.settle()
            logger.info("related lists settled", extra={"articles": articles})
    return response
