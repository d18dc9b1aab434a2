"""Labels function: DynamoDB stream batch (article META changes) → category/tag/author counts.

Each record only names the article; `sync_labels` reads the article's current META and
compares it with the stored memberships, so duplicates, retries and late or out-of-order
records change nothing (a record's images are a trigger, not the truth). Failures are
reported per record, so the stream retries from the first failed one only.
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
from pydantic import ValidationError

from newsdesk.config import validate_at_init
from newsdesk.dal import keys
from newsdesk.logic.labels import sync_labels
from newsdesk.observability import logger

# Only the Globals (table, bucket); checked against template.yaml by a test.
ENVIRONMENT: tuple[str, ...] = ()
validate_at_init(*ENVIRONMENT)

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    """Recount the labels of the article the record is about (other items are ignored)."""
    record_keys: dict[str, Any] = record.raw_event.get("dynamodb", {}).get("Keys", {})
    pk = record_keys.get("PK", {}).get("S", "")
    sk = record_keys.get("SK", {}).get("S", "")
    if sk != keys.ARTICLE_SK or not pk.startswith(keys.ARTICLE_PREFIX):
        logger.warning("ignored record", extra={"pk": pk, "sk": sk})
        return
    slug = pk.removeprefix(keys.ARTICLE_PREFIX)
    try:
        outcome = sync_labels(slug)
    except ValidationError as error:
        # Not an article the API could serve either; retrying cannot make it one.
        logger.warning("unreadable article item", extra={"slug": slug, "error": str(error)})
        return
    logger.info(
        "label counts synced",
        extra={"slug": slug, "event": record.raw_event.get("eventName"), "outcome": str(outcome)},
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process the batch; answer `batchItemFailures` for the records to retry."""
    response: dict[str, Any] = dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    )
    return response
