"""What an operator signs off in template.yaml: handlers resolve, failures land somewhere,
alarms reach the topic, logs expire, concurrency is bounded, and access is least privilege.

Everything is read from the template itself (and samconfig.toml), never restated here.
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

import pytest

from infra.template.reading import Intrinsic, load_template, resources

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template()
FUNCTIONS = resources("AWS::Serverless::Function")
ALARMS = resources("AWS::CloudWatch::Alarm")
LOG_GROUPS = resources("AWS::Logs::LogGroup")
ASYNC_EVENT_TYPES = {"S3", "SNS", "EventBridgeRule", "Schedule", "ScheduleV2", "CloudWatchEvent"}
STREAM_EVENT_TYPES = {"DynamoDB", "Kinesis"}


def _events(function: dict[str, Any], kinds: set[str]) -> dict[str, dict[str, Any]]:
    events: dict[str, dict[str, Any]] = function["Properties"].get("Events", {})
    return {name: event for name, event in events.items() if event["Type"] in kinds}


def _ref(value: Any) -> str | None:
    """The logical id a `!Ref X` or `!GetAtt X.Attr` points at."""
    if isinstance(value, Intrinsic) and value.name in {"Ref", "GetAtt"}:
        target = value.value if isinstance(value.value, str) else value.value[0]
        return str(target).split(".")[0]
    return None


def _alarms_on(namespace: str, metric: str, dimension: str, target: str) -> list[str]:
    return [
        name
        for name, alarm in ALARMS.items()
        if alarm["Properties"]["Namespace"] == namespace
        and alarm["Properties"]["MetricName"] == metric
        and any(
            d["Name"] == dimension and _ref(d["Value"]) == target
            for d in alarm["Properties"]["Dimensions"]
        )
    ]


def _statements(function: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline IAM statements of a function (SAM policy templates are scoped by design)."""
    found: list[dict[str, Any]] = []
    for policy in function["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            found.extend(policy["Statement"])
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_resolves_to_a_callable_in_the_shipped_package(logical_id: str) -> None:
    handler = FUNCTIONS[logical_id]["Properties"]["Handler"]
    module_name, _, attribute = handler.rpartition(".")
    code_uri = FUNCTIONS[logical_id]["Properties"].get(
        "CodeUri", TEMPLATE["Globals"]["Function"]["CodeUri"]
    )
    source = ROOT / code_uri / (module_name.replace(".", "/") + ".py")
    assert source.is_file(), f"{handler}: {source.relative_to(ROOT)} is not in CodeUri"
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute, None)), f"{handler} is not a callable"


def test_functions_share_one_build() -> None:
    """Same code, runtime and Metadata on every function: sam build builds the package once."""
    for name, function in FUNCTIONS.items():
        props = function["Properties"]
        assert not {"CodeUri", "Runtime", "Architectures"} & props.keys(), name
    metadata = [repr(function.get("Metadata")) for function in FUNCTIONS.values()]
    assert len(set(metadata)) == 1
    assert TEMPLATE["Globals"]["Function"]["Runtime"] == "python3.13"
    assert TEMPLATE["Globals"]["Function"]["Architectures"] == ["arm64"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_logs_to_its_own_log_group_with_retention(logical_id: str) -> None:
    group_id = _ref(FUNCTIONS[logical_id]["Properties"]["LoggingConfig"]["LogGroup"])
    assert group_id in LOG_GROUPS
    group = LOG_GROUPS[group_id]["Properties"]
    assert group["LogGroupName"].value == f"/aws/lambda/${{AWS::StackName}}-{logical_id}"
    assert group["RetentionInDays"].name == "FindInMap"
    retention = TEMPLATE["Mappings"]["StageSettings"]
    assert set(retention) == set(TEMPLATE["Parameters"]["Stage"]["AllowedValues"])
    assert all(stage["LogRetentionDays"] > 0 for stage in retention.values())


def test_http_api_logs_access_and_throttles() -> None:
    (api,) = resources("AWS::Serverless::HttpApi").values()
    props = api["Properties"]
    assert _ref(props["AccessLogSettings"]["DestinationArn"]) in LOG_GROUPS
    assert "$context.status" in props["AccessLogSettings"]["Format"]
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"]
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"]
    for group in LOG_GROUPS.values():
        assert "RetentionInDays" in group["Properties"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_asynchronous_and_stream_trigger_has_a_failure_destination(logical_id: str) -> None:
    props = FUNCTIONS[logical_id]["Properties"]
    queues = resources("AWS::SQS::Queue")
    if _events(FUNCTIONS[logical_id], ASYNC_EVENT_TYPES):
        on_failure = props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
        assert on_failure["Type"] == "SQS"
        assert _ref(on_failure["Destination"]) in queues
    for name, event in _events(FUNCTIONS[logical_id], STREAM_EVENT_TYPES).items():
        on_failure = event["Properties"]["DestinationConfig"]["OnFailure"]
        # Without Type, SAM grants no sqs:SendMessage and failed batches are silently lost.
        assert on_failure.get("Type") == "SQS", name
        assert _ref(on_failure["Destination"]) in queues, name
        assert event["Properties"]["MaximumRetryAttempts"] >= 0, name
        assert event["Properties"]["BisectBatchOnFunctionError"] is True, name


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_errors_and_throttles_raise_alarms(logical_id: str) -> None:
    assert _alarms_on("AWS/Lambda", "Errors", "FunctionName", logical_id)
    assert _alarms_on("AWS/Lambda", "Throttles", "FunctionName", logical_id)
    if _events(FUNCTIONS[logical_id], STREAM_EVENT_TYPES):
        assert _alarms_on("AWS/Lambda", "IteratorAge", "FunctionName", logical_id)


def test_dead_letter_queues_and_api_5xx_raise_alarms() -> None:
    for queue in resources("AWS::SQS::Queue"):
        assert _alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue)
    (api_id,) = resources("AWS::Serverless::HttpApi")
    assert _alarms_on("AWS/ApiGateway", "5xx", "ApiId", api_id)


def test_alarms_notify_the_topic_parameter_and_prod_requires_it() -> None:
    assert TEMPLATE["Parameters"]["AlarmTopicArn"]["Type"] == "String"
    for name, alarm in ALARMS.items():
        for key in ("AlarmActions", "OKActions"):
            action = alarm["Properties"][key]
            assert action.name == "If", name
            condition, (topic,), _ = action.value
            assert condition == "HasAlarmTopic"
            assert _ref(topic) == "AlarmTopicArn"
        assert alarm["Properties"]["AlarmDescription"]
    rule = TEMPLATE["Rules"]["ProdAlarmsNotify"]
    assert rule["RuleCondition"].value == [Intrinsic("Ref", "Stage"), "prod"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_concurrency_is_reserved_from_the_stage_settings(logical_id: str) -> None:
    reserved = FUNCTIONS[logical_id]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved.name == "FindInMap"
    _, _, key = reserved.value
    stages = TEMPLATE["Mappings"]["StageSettings"].values()
    assert all(1 <= stage[key] <= 100 for stage in stages)


def test_content_bucket_is_private_and_tls_only() -> None:
    (bucket_id, bucket), *others = resources("AWS::S3::Bucket").items()
    assert not others
    block = bucket["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block[key] is True for key in block) and len(block) == 4
    rules = bucket["Properties"]["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (policy,) = resources("AWS::S3::BucketPolicy").values()
    assert _ref(policy["Properties"]["Bucket"]) == bucket_id
    denies = [
        statement
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    (deny,) = denies
    assert deny["Principal"] == "*" and deny["Action"] == "s3:*"
    targets = {(r.name, str(r.value)) for r in deny["Resource"]}
    assert ("GetAtt", f"{bucket_id}.Arn") in targets
    assert ("Sub", f"${{{bucket_id}.Arn}}/*") in targets


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_policies_name_actions_and_resources(logical_id: str) -> None:
    for statement in _statements(FUNCTIONS[logical_id]):
        if statement.get("Effect") != "Allow":
            continue
        where = f"{logical_id}/{statement.get('Sid', '?')}"
        for action in _as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{where}: {action}"
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", f"{where}: wildcard resource"


def test_samconfig_has_dev_and_prod_stacks_with_known_parameters() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text("utf-8"))
    parameters = TEMPLATE["Parameters"]
    stacks = set()
    for stage in ("dev", "prod"):
        stacks.add(config[stage]["global"]["parameters"]["stack_name"])
        deploy = config[stage]["deploy"]["parameters"]
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        overrides = dict(item.split("=", 1) for item in deploy["parameter_overrides"])
        assert set(overrides) <= set(parameters), stage
        assert overrides["Stage"] == stage
    assert len(stacks) == 2
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
