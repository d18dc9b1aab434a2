"""The publish dead-letter queue: where on-failure records wait for an operator's replay."""

from __future__ import annotations

from newsdesk.config import settings
from newsdesk.dal.clients import sqs


def keep_for_operators(body: str) -> None:
    """Hand a record, unchanged, to the publish dead-letter queue (it raises the alarm)."""
    sqs().send_message(QueueUrl=settings().publish_dead_letter_queue_url, MessageBody=body)
