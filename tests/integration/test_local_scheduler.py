"""The local stack's EventBridge Scheduler: the template's groups, due schedules fire once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra.local.intrinsics import Resolver
from infra.local.scheduler import LocalScheduler, create_groups
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
    local = LocalScheduler(
        client,
        [group],
        lambda arn, payload, _: delivered.append((arn, payload)),
        clock=lambda: clock[0],
    )

    assert local.tick() == 0
    clock[0] = now + timedelta(minutes=2)
    assert local.tick() == 1
    assert delivered == [(TARGET, {"go_live": {"key": "a"}})]
    assert local.tick() == 0  # deleted after completion: fires once
    names = [s["Name"] for s in client.list_schedules(GroupName=group)["Schedules"]]
    assert names == ["sen"]
