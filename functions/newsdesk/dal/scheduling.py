"""Storage of what is not live yet: staged versions, slug claims, the go-live index, schedules.

Items (docs/architecture.md, "Scheduled publishing"):

| item | PK | SK |
| --- | --- | --- |
| staged version (draft or scheduled) | `SOURCE#<key>` | `S#STAGED` (rendered META in `meta`) |
| slug claim of a scheduled article | `ARTICLE#<slug>` | `S#SCHEDULED` (`source_key`, `live_at`) |
| go-live index entry | `GOLIVE` | `<live_at UTC>#<digest of key>` |

None of them carries list-index keys or the page prefix `A#`, and the related function's
stream filter passes only `A#META`: an article is live exactly when its META item exists, and
nothing here can make a list, a page, a related list or an e-book reference show it.
The publish pipeline writes these items in the same transaction as the key's source state.

EventBridge Scheduler holds one one-time schedule per scheduled key (named after its digest);
it invokes the publish function with `{"go_live": {...}}` at `live_at` and deletes itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import ClientError

from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal.clients import dynamodb, scheduler
from newsdesk.dal.codec import Item, from_dynamo
from newsdesk.dal.publishing import source_pk

STAGED_SK = "S#STAGED"
CLAIM_SK = "S#SCHEDULED"
GO_LIVE_PK = "GOLIVE"
# The key of the payload a schedule sends the publish function.
GO_LIVE_EVENT = "go_live"
_STAMP = "%Y-%m-%dT%H:%M:%SZ"

type StagedStatus = Literal["draft", "scheduled"]


@dataclass(frozen=True, slots=True)
class Staged:
    """The not-yet-live version of one uploaded key: a draft, or an article scheduled for later.

    `sequencer` and `version_id` name the upload event and object version it was made from;
    `meta` is the article's META item as it would be written when live.
    """

    key: str
    status: StagedStatus
    sequencer: str
    version_id: str | None
    slug: str
    meta: Item
    live_at: datetime | None = None

    def items(self) -> list[Item]:
        """The staged item and, when scheduled, the slug claim and the go-live index entry."""
        staged: Item = {
            "PK": source_pk(self.key),
            "SK": STAGED_SK,
            "source_key": self.key,
            "status": self.status,
            "sequencer": self.sequencer,
            "version_id": self.version_id,
            "slug": self.slug,
            "meta": self.meta,
        }
        if self.live_at is None:
            return [staged]
        live_at = stamp(self.live_at)
        staged["live_at"] = live_at
        claim = {
            "PK": keys.article_pk(self.slug),
            "SK": CLAIM_SK,
            "source_key": self.key,
            "live_at": live_at,
        }
        entry = {"PK": GO_LIVE_PK, "SK": f"{live_at}#{digest(self.key)}", "source_key": self.key}
        return [staged, claim, entry]


def stamp(moment: datetime) -> str:
    """Whole-second UTC timestamp, rounded up: a go-live is never earlier than asked."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment.strftime(_STAMP)


def parse_stamp(text: str) -> datetime:
    """Back from `stamp`."""
    return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)


def digest(key: str) -> str:
    """A short, stable, name-safe digest of an uploaded key."""
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def _table() -> str:
    return settings().table_name


def staged_from_item(key: str, item: Item) -> Staged:
    """A staged item as stored, back as a Staged."""
    return Staged(
        key=key,
        status=item["status"],
        sequencer=item["sequencer"],
        version_id=item.get("version_id"),
        slug=item["slug"],
        meta=item["meta"],
        live_at=parse_stamp(item["live_at"]) if item.get("live_at") else None,
    )


def get_staged(key: str) -> Staged | None:
    """The staged version of `key` (strongly consistent), or None."""
    response = dynamodb().get_item(
        TableName=_table(),
        Key={"PK": {"S": source_pk(key)}, "SK": {"S": STAGED_SK}},
        ConsistentRead=True,
    )
    raw = response.get("Item")
    return staged_from_item(key, from_dynamo(raw)) if raw else None


def next_go_live(now: datetime, grace: timedelta) -> datetime | None:
    """The earliest go-live not yet carried out, ignoring ones overdue by more than `grace`.

    One Query of at most one item (eventually consistent: a go-live index entry is written
    when the article is scheduled, long before a reader's cache could matter).
    """
    response = dynamodb().query(
        TableName=_table(),
        KeyConditionExpression="PK = :pk AND SK >= :from",
        ExpressionAttributeValues={
            ":pk": {"S": GO_LIVE_PK},
            ":from": {"S": stamp(now - grace)},
        },
        ProjectionExpression="SK",
        Limit=1,
    )
    items = response.get("Items", [])
    if not items:
        return None
    return parse_stamp(str(items[0]["SK"]["S"]).partition("#")[0])


def schedule_name(key: str) -> str:
    """The one schedule of a key (names allow 64 characters of [0-9A-Za-z_.-])."""
    return f"golive-{digest(key)}"


def put_schedule(key: str, at: datetime, payload: dict[str, Any], target_arn: str) -> None:
    """Create or move the key's one-time schedule to `at`, sending `payload` to the target."""
    config = settings()
    target: dict[str, Any] = {
        "Arn": target_arn,
        "RoleArn": config.scheduler_role_arn,
        "Input": json.dumps({GO_LIVE_EVENT: payload}, ensure_ascii=False),
        "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 3600},
    }
    if config.go_live_dead_letter_arn:
        target["DeadLetterConfig"] = {"Arn": config.go_live_dead_letter_arn}
    request: dict[str, Any] = {
        "Name": schedule_name(key),
        "GroupName": config.schedule_group,
        "ScheduleExpression": f"at({stamp(at).removesuffix('Z')})",
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target,
        "ActionAfterCompletion": "DELETE",
        "Description": f"Go-live of {key}"[:512],
    }
    client = scheduler()
    try:
        client.update_schedule(**request)
    except client.exceptions.ResourceNotFoundException:
        try:
            client.create_schedule(**request)
        except client.exceptions.ConflictException:
            client.update_schedule(**request)  # created concurrently: ours is the newer wish


def delete_schedule(key: str) -> None:
    """Cancel the key's schedule; one that does not exist (fired, never made) is fine."""
    try:
        scheduler().delete_schedule(Name=schedule_name(key), GroupName=settings().schedule_group)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
