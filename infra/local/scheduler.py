"""EventBridge Scheduler on the local stack: one-time schedules fire at their time.

moto stores schedules (the publish function creates them through the real Scheduler API)
but never runs them. `LocalScheduler` does: it creates the template's
`AWS::Scheduler::ScheduleGroup`s, polls their schedules, and when an `at(...)` schedule is
due hands its target ARN and `Input` to a delivery callback (the stack queues it for the
function, as Scheduler's asynchronous Lambda invoke does), then, once the delivery is done
with, deletes it if its `ActionAfterCompletion` says so: a go-live still queued when the
stack stops stays in the snapshot and fires after the restore. `due` is also what tests use
to fire schedules on an injected clock instead of waiting.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from infra.local.intrinsics import Resolver
from infra.template.reading import resources

log = logging.getLogger("local.scheduler")

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")

# (target ARN, payload, source, done): `done` is called once the delivery was handled.
type Deliver = Callable[[str, dict[str, Any], str, Callable[[], None]], None]


@dataclass(frozen=True)
class Firing:
    """One due schedule: where it sends what, and the version of it that was due."""

    group: str
    name: str
    target_arn: str
    payload: dict[str, Any]
    expression: str
    delete_after: bool


def schedule_groups(resolver: Resolver) -> dict[str, str]:
    """Logical id → name of each schedule group the template declares."""
    return {
        logical_id: resolver.string(
            resource.get("Properties", {}).get("Name", f"{resolver.stack_name}-{logical_id}")
        )
        for logical_id, resource in resources(
            "AWS::Scheduler::ScheduleGroup", resolver.template
        ).items()
    }


def create_groups(client: Any, resolver: Resolver) -> dict[str, str]:
    """Create the template's schedule groups; logical id → name (what `!Ref` yields).

    A group restored from the snapshot is kept with its schedules (moto would replace it
    with an empty one; AWS would answer ConflictException).
    """
    groups = schedule_groups(resolver)
    for name in groups.values():
        try:
            client.get_schedule_group(Name=name)
            log.info("schedule group %s (restored)", name)
            continue
        except client.exceptions.ResourceNotFoundException:
            pass
        client.create_schedule_group(Name=name)
        log.info("schedule group %s", name)
    return groups


def at_time(expression: str, timezone: str | None) -> datetime | None:
    """When a one-time `at(...)` schedule fires (None for rate/cron schedules)."""
    match = _AT.match(expression)
    if match is None:
        return None
    naive = datetime.fromisoformat(match.group(1))
    return naive.replace(tzinfo=ZoneInfo(timezone or "UTC")).astimezone(UTC)


def due(client: Any, groups: list[str], now: datetime) -> list[Firing]:
    """The enabled one-time schedules of `groups` whose time is `now` or past, oldest first."""
    found: list[tuple[datetime, Firing]] = []
    for group in groups:
        request: dict[str, Any] = {"GroupName": group}
        while True:
            page = client.list_schedules(**request)
            for summary in page.get("Schedules", []):
                schedule = client.get_schedule(GroupName=group, Name=summary["Name"])
                when = at_time(
                    schedule["ScheduleExpression"], schedule.get("ScheduleExpressionTimezone")
                )
                if when is None or when > now or schedule.get("State") == "DISABLED":
                    continue
                target = schedule["Target"]
                firing = Firing(
                    group=group,
                    name=schedule["Name"],
                    target_arn=target["Arn"],
                    payload=json.loads(target.get("Input") or "{}"),
                    expression=schedule["ScheduleExpression"],
                    delete_after=schedule.get("ActionAfterCompletion") == "DELETE",
                )
                found.append((when, firing))
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
    return [firing for _, firing in sorted(found, key=lambda pair: pair[0])]


def complete(client: Any, firing: Firing) -> None:
    """After delivery: delete the schedule (ActionAfterCompletion DELETE) unless it was moved."""
    if not firing.delete_after:
        return
    try:
        current = client.get_schedule(GroupName=firing.group, Name=firing.name)
    except client.exceptions.ResourceNotFoundException:
        return
    if current["ScheduleExpression"] == firing.expression:
        try:
            client.delete_schedule(GroupName=firing.group, Name=firing.name)
        except client.exceptions.ResourceNotFoundException:
            return


class LocalScheduler:
    """Polls the stack's schedule groups and delivers due schedules to their targets."""

    def __init__(
        self,
        client: Any,
        groups: list[str],
        deliver: Deliver,
        interval: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.groups = groups
        self.deliver = deliver
        self.interval = interval
        self.clock = clock
        self.fired = 0
        # Delivered and not yet handled: not fired again while in hand, deleted once done.
        self._in_hand: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def start(self) -> None:
        """Start polling (nothing to do without schedule groups)."""
        if self.groups:
            self._thread.start()

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def tick(self) -> int:
        """Deliver every due schedule not already in hand; how many fired."""
        fired = 0
        for firing in due(self.client, self.groups, self.clock()):
            held = (firing.group, firing.name, firing.expression)
            with self._lock:
                if held in self._in_hand:
                    continue
                self._in_hand.add(held)
            log.info("schedule %s/%s fires → %s", firing.group, firing.name, firing.target_arn)
            self.deliver(
                firing.target_arn,
                firing.payload,
                f"schedule {firing.name}",
                lambda firing=firing, held=held: self._done(firing, held),  # type: ignore[misc]
            )
            fired += 1
        self.fired += fired
        return fired

    def _done(self, firing: Firing, held: tuple[str, str, str]) -> None:
        try:
            complete(self.client, firing)
        finally:
            with self._lock:
                self._in_hand.discard(held)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:
                log.exception("schedule poll failed")
