"""Publish function: S3 ObjectCreated/ObjectRemoved notifications → publish pipeline → reports.

Content errors are answered by a `rejected` report and the invocation succeeds (a retry would
not help). Any other error (AWS unavailable, a bug) is answered by a `failed` report for that
upload, the other records are still processed, and then the invocation fails, so Lambda
retries the event (a success rewrites the report) and, when retries are exhausted, sends it to
the on-failure queue while the report keeps saying `failed`. Replays are harmless: the
pipeline orders events by their sequencer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdesk.config import settings, validate_at_init
from newsdesk.handlers.edge import invalidating_changes
from newsdesk.logic.publishing.pipeline import Publisher, UploadEvent
from newsdesk.observability import logger, metrics

# What this function needs beyond the Globals (checked against template.yaml by a test).
ENVIRONMENT = ("WORDS_PER_MINUTE",)
validate_at_init(*ENVIRONMENT)


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


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process every record; the reports written (stale and duplicate events write none)."""
    config = settings()
    publisher = Publisher(words_per_minute=config.words_per_minute)
    reports = []
    failures: list[str] = []
    uploads = upload_events(event, config.content_bucket)
    metrics.add_metric(name="UploadEvents", unit=MetricUnit.Count, value=len(uploads))
    # What the uploads changed leaves the CDN in one invalidation, even if a later one fails.
    with invalidating_changes():
        for upload in uploads:
            try:
                report = publisher.process(upload)
            except Exception:
                logger.exception("upload failed", extra={"key": upload.key})
                failures.append(upload.key)
                report = _failure_report(publisher, upload)
            logger.info(
                "upload processed",
                extra={"key": upload.key, "sequencer": upload.sequencer, "report": report},
            )
            if report is not None:
                reports.append(report)
                # One EMF count per outcome (UploadsPublished, UploadsRejected, …).
                metrics.add_metric(
                    name=f"Uploads{str(report['status']).capitalize()}",
                    unit=MetricUnit.Count,
                    value=1,
                )
    if failures:
        # Lambda retries the whole event; records already decided are duplicates then.
        raise PublishFailedError(f"{len(failures)} upload(s) failed: {', '.join(failures)}")
    return {"reports": reports}


class PublishFailedError(RuntimeError):
    """Some uploads of this event failed for a reason outside the files: retry the event."""


def _failure_report(publisher: Publisher, upload: UploadEvent) -> dict[str, Any] | None:
    """The `failed` report, if it can be written (if not, the retry and the queue remain)."""
    try:
        return publisher.report_failure(upload)
    except Exception:
        logger.exception("failure report not written", extra={"key": upload.key})
        return None
