"""Publish function: S3 ObjectCreated/ObjectRemoved notifications → publish pipeline → reports.

It is also the target of go-live schedules: EventBridge Scheduler invokes it with
`{"go_live": {"key", "sequencer", "version_id"}}` when a scheduled article's time has come.

Content errors are answered by a `rejected` report and the invocation succeeds (a retry would
not help). Any other error (AWS unavailable, a bug) is answered by a `failed` report for that
upload, the other records are still processed, and then the invocation fails, so Lambda
retries the event (a success rewrites the report) and, when retries are exhausted, sends it to
the on-failure queue, whose consumer (`newsdesk.handlers.publish_failures`) writes the final
`failed` report; that covers timeouts and out-of-memory kills, which end this handler before
it can write one. Replays are harmless: the
pipeline orders events by their sequencer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsdesk.clock import Clock, system_clock
from newsdesk.config import settings, validate_at_init
from newsdesk.dal.scheduling import GO_LIVE_EVENT
from newsdesk.handlers.edge import invalidating_changes
from newsdesk.handlers.s3_records import upload_events
from newsdesk.logic.publishing.pipeline import Publisher, UploadEvent
from newsdesk.observability import logger, metrics

# What this function needs beyond the Globals (checked against template.yaml by a test).
ENVIRONMENT = (
    "WORDS_PER_MINUTE",
    "SCHEDULE_GROUP",
    "SCHEDULER_ROLE_ARN",
    "GO_LIVE_DEAD_LETTER_ARN",
    "PREVIEW_TOKEN_SECRET",
)
validate_at_init(*ENVIRONMENT)

# The pipeline's "now" (whether an article is live yet); tests move it.
clock: Clock = system_clock


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process every record; the reports written (stale and duplicate events write none)."""
    config = settings()
    publisher = Publisher(
        words_per_minute=config.words_per_minute,
        clock=clock,
        # Its own ARN: naming the function in its own environment would be a template cycle.
        schedule_target=context.invoked_function_arn,
        preview_base=config.public_api_url,
    )
    if GO_LIVE_EVENT in event:
        with invalidating_changes():
            return {"reports": go_live(publisher, event[GO_LIVE_EVENT])}
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


def go_live(publisher: Publisher, payload: Any) -> list[dict[str, Any]]:
    """A go-live schedule fired; the report if the article went live (superseded: none).

    A payload our schedules never send (no key or sequencer) is logged and dropped: no
    attempt, retry or replay could apply it.
    """
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("key"), str)
        and isinstance(payload.get("sequencer"), str)
    ):
        logger.error("unreadable go-live skipped", extra={"payload": str(payload)[:2000]})
        metrics.add_metric(name="GoLivesUnreadable", unit=MetricUnit.Count, value=1)
        return []
    report = publisher.go_live(payload["key"], payload["sequencer"])
    logger.info("go-live", extra={"payload": payload, "report": report})
    metrics.add_metric(
        name="GoLivesApplied" if report else "GoLivesSuperseded", unit=MetricUnit.Count, value=1
    )
    return [report] if report is not None else []


class PublishFailedError(RuntimeError):
    """Some uploads of this event failed for a reason outside the files: retry the event."""


def _failure_report(publisher: Publisher, upload: UploadEvent) -> dict[str, Any] | None:
    """The `failed` report, if it can be written (if not, the retry and the queue remain)."""
    try:
        return publisher.report_failure(upload)
    except Exception:
        logger.exception("failure report not written", extra={"key": upload.key})
        return None
