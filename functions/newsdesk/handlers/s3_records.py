"""S3 event notifications as the publish pipeline's UploadEvents (shared by the publish
function and the consumer of its on-failure records)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from newsdesk.logic.publishing.pipeline import UploadEvent
from newsdesk.observability import logger


def upload_events(event: dict[str, Any], bucket: str) -> list[UploadEvent]:
    """The S3 records of a notification as UploadEvents (keys URL-decoded, `+` is a space)."""
    uploads = []
    for record in event.get("Records", []):
        if record.get("eventSource") != "aws:s3":
            continue
        s3 = record["s3"]
        if s3["bucket"]["name"] != bucket:
            logger.warning("record for another bucket skipped", extra={"bucket": s3["bucket"]})
            continue
        obj = s3["object"]
        uploads.append(
            UploadEvent(
                key=unquote_plus(obj["key"]),
                removed=str(record["eventName"]).startswith("ObjectRemoved"),
                sequencer=obj["sequencer"],
                version_id=obj.get("versionId") or None,
            )
        )
    return uploads
