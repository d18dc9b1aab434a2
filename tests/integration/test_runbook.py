"""docs/operations.md as an operator follows it: its commands, run against moto.

Each test is one procedure of the runbook, done the way the runbook says (the AWS CLI calls
it names, as boto3 calls, and the S3 records those calls make S3 send).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from newsdesk import config
from newsdesk.dal import clients

from infra.template.reading import load_template, resources
from tests.conftest import BUCKET_NAME, REGION, TABLE_NAME
from tests.integration.test_publish import Desk, article_file, live

STACK = "newsdesk-prod"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


def deployed_stack(outputs: dict[str, str], name: str = STACK) -> None:
    """A CloudFormation stack with the outputs the runbook's commands read."""
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )


@pytest.fixture
def operator_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator's shell: credentials and a region, none of the functions' variables."""
    monkeypatch.delenv("TABLE_NAME")
    monkeypatch.delenv("CONTENT_BUCKET")
    config.settings.cache_clear()
    clients.reset()


def test_erase_targets_the_stack_by_name(
    aws: dict[str, Any], operator_shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make erase EMAIL=… STACK=newsdesk-prod`
    deployed_stack({"TableName": TABLE_NAME, "ContentBucketName": BUCKET_NAME})
    from infra.ops import erase_reader

    assert erase_reader.main(["--email", "ingen@example.dk", "--stack", STACK]) == 0
    assert f"from table {TABLE_NAME}" in capsys.readouterr().out


def test_recompute_targets_the_stack_by_name(
    desk: Desk, operator_shell: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make recompute-related STACK=newsdesk-prod`, after a restore (Restore, "Table data")
    deployed_stack({"TableName": TABLE_NAME, "ContentBucketName": BUCKET_NAME})
    from infra.ops import related_recompute

    assert related_recompute.main(["--stack", STACK]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_a_wrong_stack_is_named_not_a_traceback(aws: dict[str, Any], operator_shell: None) -> None:
    from infra.ops import erase_reader

    with pytest.raises(SystemExit, match="newsdesk-prdo"):
        erase_reader.main(["--email", "a@example.dk", "--stack", "newsdesk-prdo"])
    deployed_stack({"TableName": TABLE_NAME}, name="half")
    with pytest.raises(SystemExit, match="ContentBucketName"):
        erase_reader.main(["--email", "a@example.dk", "--stack", "half"])


# Restore, "A bad upload or a deleted article/e-book file"


def copy_version_over(desk: Desk, key: str, version_id: str) -> dict[str, Any]:
    """`aws s3api copy-object --copy-source "<bucket>/<key>?versionId=<version>"`."""
    response = desk.s3.copy_object(
        Bucket=desk.bucket,
        Key=key,
        CopySource={"Bucket": desk.bucket, "Key": key, "VersionId": version_id},
    )
    return desk._record("ObjectCreated:Copy", key, {"size": 0, "versionId": response["VersionId"]})


def test_copying_the_previous_version_over_undoes_a_bad_upload(desk: Desk) -> None:
    key = "articles/legeplads.md"
    first = desk.put(key, article_file(title="Den rigtige udgave"))
    desk.send(first)
    desk.send(desk.put(key, article_file(title="Den forkerte udgave")))
    assert live("legeplads").title == "Den forkerte udgave"

    desk.send(copy_version_over(desk, key, first["s3"]["object"]["versionId"]))
    assert live("legeplads").title == "Den rigtige udgave"
    assert desk.report(key)["status"] == "published"


def test_removing_the_delete_marker_brings_a_deleted_article_back(desk: Desk) -> None:
    key = "articles/legeplads.md"
    desk.upload(key, article_file(title="Slettet ved en fejl"))
    marker = desk.delete(key)
    desk.send(marker)
    assert live("legeplads") is None

    # `aws s3api delete-object --key <key> --version-id <delete-marker-id>`: S3 sends
    # ObjectRemoved:Delete for the marker, and the previous version is current again.
    desk.send(desk.delete_version(key, marker["s3"]["object"]["versionId"]))
    assert live("legeplads").title == "Slettet ved en fejl"
    assert desk.report(key)["status"] == "published"


def test_copying_an_object_onto_itself_publishes_it_again(desk: Desk) -> None:
    # Replaying failures: `aws s3 cp s3://<bucket>/<key> s3://<bucket>/<key>
    # --metadata-directive REPLACE` after the cause is fixed.
    key = "articles/legeplads.md"
    desk.s3.put_object(Bucket=desk.bucket, Key=key, Body=article_file(title="Gentaget"))
    assert live("legeplads") is None  # its event was given up on
    response = desk.s3.copy_object(
        Bucket=desk.bucket,
        Key=key,
        CopySource={"Bucket": desk.bucket, "Key": key},
        MetadataDirective="REPLACE",
    )
    desk.send(desk._record("ObjectCreated:Copy", key, {"versionId": response["VersionId"]}))
    assert live("legeplads").title == "Gentaget"


# What the runbook names exists under that name


RUNBOOK = (ROOT / "docs" / "operations.md").read_text("utf-8")


def test_every_make_target_the_runbook_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", RUNBOOK))
    assert {"erase", "recompute-related", "recount-labels", "build", "gates"} <= named
    assert named <= targets


def test_every_alarm_output_and_parameter_the_runbook_names_is_the_templates() -> None:
    template = load_template()
    alarms = set(resources("AWS::CloudWatch::Alarm"))
    named_alarms = set(re.findall(r"`(\w+Alarm)`", RUNBOOK))
    assert named_alarms and named_alarms <= alarms
    # `<Function>ErrorsAlarm` / `<Function>ThrottlesAlarm` (each function): every one exists.
    for function in resources("AWS::Serverless::Function"):
        assert {f"{function}ErrorsAlarm", f"{function}ThrottlesAlarm"} <= alarms
    # Every alarm is in the runbook's table, by name or as a function's errors/throttles.
    pattern = re.compile(r"(\w+Function)(Errors|Throttles)Alarm")
    assert {a for a in alarms if not pattern.fullmatch(a)} <= named_alarms
    # Stack outputs (`…Url`, `TableName`, `CdnDistributionId`) the commands read.
    named_outputs = set(re.findall(r"`(\w+Url|TableName|CdnDistributionId)`", RUNBOOK))
    assert named_outputs - set(template["Parameters"]) <= set(template["Outputs"])
    assert "PublishDeadLetterQueueUrl" in named_outputs
    parameter_table = RUNBOOK.split("## Parameters and stage settings")[1].split("\n\n")[1]
    for parameter in template["Parameters"]:
        assert f"`{parameter}`" in parameter_table, parameter
