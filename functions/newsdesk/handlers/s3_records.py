"""S3 event notifications as the publish pipeline's UploadEvents (shared by the publish
function and the consumer of its on-failure records)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from newsdesk.logic.publishing.pipeline import UploadEvent
from newsdesk.observability import logger

# S3's sequencer: hexadecimal, of varying length; the pipeline orders a key's events by it,
# so a value that is not one would sort after every real event and hide them all.
_SEQUENCER = re.compile(r"[0-9A-Fa-f]{1,64}")
_EVENT_NAMES = ("ObjectCreated:", "ObjectRemoved:")


def upload_events(event: dict[str, Any], bucket: str) -> list[UploadEvent]:
    """The S3 records of a notification as UploadEvents (keys URL-decoded, `+` is a space).

    A record that is not a readable S3 notification of this bucket is logged and skipped,
    never raised: the event's other records are still published, and retrying (or the
    on-failure queue) could not make it readable.
    """
    records = event.get("Records")
    uploads = []
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict) or record.get("eventSource") != "aws:s3":
            continue
        upload = _upload(record, bucket)
        if upload is not None:
            uploads.append(upload)
    return uploads


def _upload(record: dict[str, Any], bucket: str) -> UploadEvent | None:
    s3 = record.get("s3")
    name = record.get("eventName")
    obj = s3.get("object") if isinstance(s3, dict) else None
    source = s3.get("bucket") if isinstance(s3, dict) else None
    if not (
        isinstance(obj, dict)
        and isinstance(source, dict)
        and isinstance(name, str)
        and name.startswith(_EVENT_NAMES)
        and isinstance(obj.get("key"), str)
        and obj["key"]
        and isinstance(obj.get("sequencer"), str)
        and _SEQUENCER.fullmatch(obj["sequencer"])
        and isinstance(obj.get("versionId"), str | None)
    ):
        logger.error("unreadable S3 record skipped", extra={"record": str(record)[:2000]})
        return None
    if source.get("name") != bucket:
        logger.warning("record for another bucket skipped", extra={"bucket": source})
        return None
    return UploadEvent(
        key=unquote_plus(obj["key"]),
        removed=name.startswith("ObjectRemoved:"),
        sequencer=obj["sequencer"],
        version_id=obj.get("versionId") or None,
    )
