"""S3 event notifications for moto's server, which stores objects but notifies nobody.

A watcher lists each bucket's versions and delete markers a few times a second; every new
version, delete marker or permanently deleted version becomes an S3 event record shaped
like AWS's (URL-encoded key, versionId, sequencer, …) for each trigger that wants it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from infra.local.functions import S3Trigger

log = logging.getLogger("local.s3")

CREATED = "ObjectCreated:Put"
DELETE_MARKER = "ObjectRemoved:DeleteMarkerCreated"
DELETED = "ObjectRemoved:Delete"


@dataclass(frozen=True)
class Change:
    """One observed change to a bucket, in the order S3 would have made it."""

    event_name: str
    key: str
    version_id: str
    size: int | None = None
    etag: str | None = None


def s3_record(
    change: Change, *, bucket: str, region: str, sequencer: str, configuration_id: str
) -> dict[str, Any]:
    """One record of an S3 notification, as AWS sends it to Lambda (event version 2.1)."""
    obj: dict[str, Any] = {"key": quote_plus(change.key, safe="/")}
    if change.size is not None:
        obj["size"] = change.size
    if change.etag is not None:
        obj["eTag"] = change.etag.strip('"')
    obj["versionId"] = change.version_id
    obj["sequencer"] = sequencer
    request_id = uuid.uuid4().hex[:16].upper()
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "eventName": change.event_name,
        "userIdentity": {"principalId": "AWS:LOCALEDITOR"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": uuid.uuid4().hex},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "LOCALOWNER"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


class Sequencer:
    """Monotonically increasing, fixed-width hex sequencers (S3 compares them as strings).

    They start from the wall clock, and above `after`, the last one a restored snapshot's
    stack gave out: the publish function ignores an event whose sequencer is not above the
    key's last one, so after the clock was set back (by hand, by NTP) and the stack restarted,
    every upload of an article published before was dropped as stale.
    """

    def __init__(self, after: str | None = None) -> None:
        start = int(datetime.now(UTC).timestamp() * 1000) << 16
        if after is not None:
            start = max(start, int(after, 16) + 1)
        self._counter = itertools.count(start)
        self._lock = threading.Lock()
        self.last: str | None = after

    def next(self) -> str:
        """The next sequencer, greater than every earlier one."""
        with self._lock:
            self.last = f"{next(self._counter):018X}"
            return self.last


def diff_listing(
    seen: dict[tuple[str, str], Change],
    versions: list[dict[str, Any]],
    markers: list[dict[str, Any]],
) -> list[Change]:
    """New changes since `seen` (updated in place), oldest first.

    ListObjectVersions lists each key newest first, but in two lists (versions, delete
    markers); merging by LastModified and IsLatest restores the order S3 made them in.
    """
    listed: list[tuple[Any, bool, int, Change]] = []
    for position, entry in enumerate(versions):
        change = Change(CREATED, entry["Key"], entry["VersionId"], entry["Size"], entry["ETag"])
        listed.append((entry["LastModified"], entry["IsLatest"], -position, change))
    for position, entry in enumerate(markers):
        change = Change(DELETE_MARKER, entry["Key"], entry["VersionId"])
        listed.append((entry["LastModified"], entry["IsLatest"], -position, change))
    listed.sort(key=lambda row: row[:3])
    present = {(c.key, c.version_id): c for *_, c in listed}
    changes = [c for (key, version), c in present.items() if (key, version) not in seen]
    vanished = [
        Change(DELETED, key, version) for (key, version) in seen if (key, version) not in present
    ]
    for key_version in [(c.key, c.version_id) for c in vanished]:
        del seen[key_version]
    seen.update({(c.key, c.version_id): c for c in changes})
    return vanished + changes


type Lister = Callable[[str, str], tuple[list[dict[str, Any]], list[dict[str, Any]]]]
# A trigger's delivery: (event, source, done), `done` called once the event was handled.
type Deliver = Callable[[dict[str, Any], str, Callable[[], None]], None]


class BucketWatcher:
    """Polls one bucket and hands each change to the triggers that want it.

    `lister(bucket, prefix)` returns (versions, delete markers) shaped as ListObjectVersions
    entries; the stack reads them from moto's store in process (`MotoServer.list_versions`),
    because moto's ListObjectVersions deep-copies every object, bodies included, per call.
    `marker(bucket)`, if given, is a cheap value that changes whenever the bucket's versions
    do: a scan that finds it unchanged lists nothing. Listing and diffing cost ~3 µs per
    version, and a bucket keeps every version (an editor's 2,400 re-uploads: 7 ms per scan,
    ~2.4 % of a core at idle, growing with the session).
    """

    def __init__(
        self,
        lister: Lister,
        bucket: str,
        region: str,
        targets: Iterable[tuple[S3Trigger, Deliver]],
        sequencer: Sequencer,
        marker: Callable[[str], object] | None = None,
    ) -> None:
        self.lister = lister
        self.marker = marker
        self._mark: object = None  # the bucket's marker at the last diff (None: diff anyway)
        self.bucket = bucket
        self.region = region
        self.targets = list(targets)
        self.sequencer = sequencer
        self.seen: dict[tuple[str, str], Change] = {}
        # Changes delivered and not yet handled by every trigger: (change, deliveries left).
        self._in_hand: dict[Change, int] = {}
        self._lock = threading.Lock()
        self.scans = 0
        self.dispatched = 0
        prefixes = {trigger.prefix for trigger, _ in self.targets}
        # List only what some trigger can want (all keys if any trigger has no prefix).
        self.prefixes = [""] if "" in prefixes else sorted(prefixes)

    def baseline(self, handled: dict[tuple[str, str], Change] | None = None) -> None:
        """Take what the bucket holds now as seen, without events (a restored snapshot), or,
        given what a snapshot had `handled`, start from that: the next scan delivers again
        what was still in hand when it was taken."""
        if handled is None:
            diff_listing(self.seen, *self._listing())
        else:
            self.seen = dict(handled)

    def handled(self) -> dict[tuple[str, str], Change]:
        """`seen` as of the changes every trigger has handled (for a snapshot)."""
        with self._lock:
            seen = dict(self.seen)
            for change in self._in_hand:
                if change.event_name == DELETED:
                    seen[(change.key, change.version_id)] = change
                else:
                    seen.pop((change.key, change.version_id), None)
        return seen

    def _done(self, change: Change) -> None:
        with self._lock:
            left = self._in_hand.get(change, 0) - 1
            if left > 0:
                self._in_hand[change] = left
            else:
                self._in_hand.pop(change, None)

    def scan(self) -> None:
        """One pass: list, diff, dispatch (nothing to list when the bucket's marker says it
        has not changed since the last pass)."""
        mark = self.marker(self.bucket) if self.marker is not None else None
        if mark is not None and mark == self._mark:
            self.scans += 1
            return
        listing = self._listing()  # after the marker: a change in between is listed now or next
        with self._lock:  # `handled` sees each new change as both seen and in hand, or neither
            deliveries = []
            for change in diff_listing(self.seen, *listing):
                targets = [t for t in self.targets if t[0].wants(change.event_name, change.key)]
                if targets:
                    self._in_hand[change] = self._in_hand.get(change, 0) + len(targets)
                deliveries.append((change, targets))
            self._mark = mark
        for change, targets in deliveries:
            self._dispatch(change, targets)
        self.scans += 1

    def _listing(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        versions: list[dict[str, Any]] = []
        markers: list[dict[str, Any]] = []
        for prefix in self.prefixes:
            listed_versions, listed_markers = self.lister(self.bucket, prefix)
            versions.extend(listed_versions)
            markers.extend(listed_markers)
        return versions, markers

    def _dispatch(self, change: Change, targets: list[tuple[S3Trigger, Deliver]]) -> None:
        sequencer = self.sequencer.next()
        for trigger, deliver in targets:
            record = s3_record(
                change,
                bucket=self.bucket,
                region=self.region,
                sequencer=sequencer,
                configuration_id=trigger.name,
            )
            self.dispatched += 1
            deliver(
                {"Records": [record]},
                f"s3 {change.event_name} {change.key}",
                lambda change=change: self._done(change),  # type: ignore[misc]
            )
