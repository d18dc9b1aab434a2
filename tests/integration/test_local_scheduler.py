"""The local stack's EventBridge Scheduler: the template's groups, due schedules fire once."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto.scheduler.models import scheduler_backends

from infra.local import snapshot
from infra.local.intrinsics import ACCOUNT_ID, Resolver
from infra.local.scheduler import LocalScheduler, create_groups
from infra.template.reading import TEMPLATE_PATH
from tests.conftest import REGION

TARGET = f"arn:aws:lambda:{REGION}:123456789012:function:PublishFunction"
ROLE = "arn:aws:iam::123456789012:role/newsdesk-GoLiveSchedulerRole"


def _schedule(client: Any, group: str, name: str, at: datetime, payload: dict[str, Any]) -> None:
    client.create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=f"at({at.strftime('%Y-%m-%dT%H:%M:%S')})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": TARGET, "RoleArn": ROLE, "Input": json.dumps(payload)},
        ActionAfterCompletion="DELETE",
    )


def test_due_schedules_fire_once_at_their_time(aws: dict[str, Any]) -> None:
    client = boto3.client("scheduler", region_name=REGION)
    groups = create_groups(client, Resolver(stack_name="lokal"))
    assert groups == {"GoLiveScheduleGroup": "lokal-go-live"}  # the template's Name
    (group,) = groups.values()
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    _schedule(client, group, "tidlig", now + timedelta(minutes=2), {"go_live": {"key": "a"}})
    _schedule(client, group, "sen", now + timedelta(hours=1), {"go_live": {"key": "b"}})
    delivered: list[tuple[str, dict[str, Any]]] = []
    clock = [now]
    handled: list[Callable[[], None]] = []

    def deliver(arn: str, payload: dict[str, Any], _: str, done: Callable[[], None]) -> None:
        delivered.append((arn, payload))
        handled.append(done)

    local = LocalScheduler(client, [group], deliver, clock=lambda: clock[0])

    assert local.tick() == 0
    clock[0] = now + timedelta(minutes=2)
    assert local.tick() == 1
    assert delivered == [(TARGET, {"go_live": {"key": "a"}})]
    assert local.tick() == 0  # in hand: not fired again
    # Not deleted until the go-live was handled: a stop now keeps it for the restore.
    names = [s["Name"] for s in client.list_schedules(GroupName=group)["Schedules"]]
    assert names == ["sen", "tidlig"]
    handled.pop()()
    assert local.tick() == 0  # deleted after completion: fires once
    names = [s["Name"] for s in client.list_schedules(GroupName=group)["Schedules"]]
    assert names == ["sen"]


def test_schedules_survive_a_snapshot_restore(aws: dict[str, Any], tmp_path: Path) -> None:
    """An article scheduled before Ctrl-C goes live after the next `make run` restores."""
    client = boto3.client("scheduler", region_name=REGION)
    (group,) = create_groups(client, Resolver(stack_name="lokal")).values()
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    _schedule(client, group, "i-morgen", now + timedelta(days=1), {"go_live": {"key": "a"}})
    print_ = snapshot.fingerprint(TEMPLATE_PATH, {}, REGION)
    saved = tmp_path / "snapshot.pickle"
    snapshot.save(saved, nullcontext(), REGION, print_, {})
    scheduler_backends[ACCOUNT_ID][REGION].reset()  # a new process: moto starts empty
    assert client.list_schedule_groups(NamePrefix=group)["ScheduleGroups"] == []

    restored = snapshot.restore(saved, REGION, print_)
    assert restored is not None and restored.secrets == {}
    assert create_groups(client, Resolver(stack_name="lokal")) == {"GoLiveScheduleGroup": group}
    delivered: list[dict[str, Any]] = []
    clock = [now + timedelta(hours=1)]
    local = LocalScheduler(
        client, [group], lambda _, p, __, done: delivered.append(p), clock=lambda: clock[0]
    )
    assert local.tick() == 0  # not due yet, but kept
    clock[0] = now + timedelta(days=2)  # came due while the stack was stopped
    assert local.tick() == 1
    assert delivered == [{"go_live": {"key": "a"}}]
