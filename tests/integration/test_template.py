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


def _consumed_queues() -> dict[str, str]:
    """Queue logical id → the function an SQS event source of it triggers."""
    return {
        _ref(event["Properties"]["Queue"]) or "": name
        for name, function in FUNCTIONS.items()
        for event in _events(function, {"SQS"}).values()
    }


def test_dead_letter_queues_warn_before_sqs_deletes_their_records() -> None:
    """The depth alarm fires once and stays in ALARM; a second one comes before the loss."""
    queues = resources("AWS::SQS::Queue")
    dead_letter = sorted(set(queues) - set(_consumed_queues()))
    assert dead_letter
    for queue in dead_letter:
        retention = queues[queue]["Properties"]["MessageRetentionPeriod"]
        (name,) = _alarms_on("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue)
        alarm = ALARMS[name]["Properties"]
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", name
        # Notified at least two days before the oldest record would be gone.
        assert alarm["Threshold"] + alarm["Period"] <= retention - 2 * 86400, name


def test_queue_consumers_time_out_well_within_the_visibility_timeout() -> None:
    """Lambda's SQS guidance: visibility ≥ 6 × the function's timeout, or records redrive early."""
    queues = resources("AWS::SQS::Queue")
    default = TEMPLATE["Globals"]["Function"]["Timeout"]
    consumed = _consumed_queues()
    assert consumed
    for queue, function in consumed.items():
        timeout = FUNCTIONS[function]["Properties"].get("Timeout", default)
        assert queues[queue]["Properties"]["VisibilityTimeout"] >= 6 * timeout, (queue, function)


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


@pytest.mark.parametrize("stage", sorted(TEMPLATE["Mappings"]["StageSettings"]))
def test_api_overload_is_api_gateways_429_not_throttled_invocations(stage: str) -> None:
    """Requests in flight stay ≤ burst + rate × latency; they must fit the reserved concurrency.

    Otherwise a spike passes the HttpApi's throttle and Lambda rejects the excess, which
    API Gateway answers with a 5xx: no Retry-After, the 5xx alarm, a rolled-back canary.
    80 ms covers warm requests several times over (docs/operations.md, "Capacity model").
    """
    settings = TEMPLATE["Mappings"]["StageSettings"][stage]
    in_flight = settings["ApiBurstLimit"] + settings["ApiRateLimit"] * 0.080
    assert in_flight <= settings["ApiConcurrency"], stage
    (api,) = resources("AWS::Serverless::HttpApi").values()
    route = api["Properties"]["DefaultRouteSettings"]
    assert route["ThrottlingBurstLimit"].value[-1] == "ApiBurstLimit"
    assert route["ThrottlingRateLimit"].value[-1] == "ApiRateLimit"
    reserved = FUNCTIONS["ApiFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved.value[-1] == "ApiConcurrency"


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


def test_a_rotated_origin_secret_reaches_the_cdn_by_its_version() -> None:
    # CloudFormation resolves a dynamic reference again only when its text changes: the
    # runbook's rotation names the new VersionId (docs/operations.md, "Secrets and rotation").
    parameter = TEMPLATE["Parameters"]["OriginVerifySecretVersion"]
    assert parameter["Default"] == ""
    condition = TEMPLATE["Conditions"]["HasOriginVerifyVersion"].value[0].value
    assert condition[0].value == "OriginVerifySecretVersion" and condition[1] == ""
    runbook = (ROOT / "docs" / "operations.md").read_text("utf-8")
    assert "OriginVerifySecretVersion=" in runbook


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


# --- Issue 17: CDN, data that survives, least privilege, gradual rollout -------------------

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CloudFront's managed policy
STATEFUL_TYPES = {"AWS::DynamoDB::Table", "AWS::S3::Bucket"}
PERSONAL_PATTERNS = {"/ebooks/*/requests", "/ebooks/*/download", "/newsletter/*", "/preview/*"}


def _distribution() -> dict[str, Any]:
    (distribution,) = resources("AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = distribution["Properties"]["DistributionConfig"]
    return config


def _behaviors() -> list[dict[str, Any]]:
    config = _distribution()
    return [*config["CacheBehaviors"], {**config["DefaultCacheBehavior"], "PathPattern": "*"}]


def _behavior_for(path: str) -> dict[str, Any]:
    """The behavior CloudFront applies to `path`: the first pattern that matches, else default."""
    import fnmatch

    return next(b for b in _behaviors() if fnmatch.fnmatchcase(path, b["PathPattern"]))


def _cache_policy(behavior: dict[str, Any]) -> dict[str, Any] | None:
    """The cache policy's config, or None for CloudFront's managed CachingDisabled."""
    if behavior["CachePolicyId"] == CACHING_DISABLED:
        return None
    config: dict[str, Any] = TEMPLATE["Resources"][_ref(behavior["CachePolicyId"])]["Properties"][
        "CachePolicyConfig"
    ]
    return config


def _origin_request_policy(behavior: dict[str, Any]) -> dict[str, Any]:
    policy = TEMPLATE["Resources"][_ref(behavior["OriginRequestPolicyId"])]
    config: dict[str, Any] = policy["Properties"]["OriginRequestPolicyConfig"]
    return config


def _app_routes() -> list[tuple[str, set[str], set[str]]]:
    """(path with parameters filled in, methods, query parameter names) of every app route."""
    from fastapi.routing import APIRoute
    from newsdesk.api.app import create_app

    routes = []
    for route in create_app().routes:
        if isinstance(route, APIRoute):
            path = route.path_format
            for name in route.param_convertors:
                path = path.replace("{" + name + "}", "x")
            query = {param.alias for param in route.dependant.query_params}
            routes.append((path, set(route.methods), query))
    return routes


def test_cdn_fronts_the_http_api_over_https_only() -> None:
    config = _distribution()
    assert config["Enabled"] is True
    assert "Condition" not in next(iter(resources("AWS::CloudFront::Distribution").values()))
    (origin,) = config["Origins"]
    assert origin["DomainName"].value.startswith("${HttpApi}.execute-api.")
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    for behavior in _behaviors():
        assert behavior["ViewerProtocolPolicy"] == "https-only", behavior["PathPattern"]
        assert behavior["Compress"] is True, behavior["PathPattern"]
        assert _ref(behavior["TargetOriginId"]) is None and behavior["TargetOriginId"] == "HttpApi"


def test_viewers_get_tls_1_2_or_better_with_the_certificate_prod_requires() -> None:
    certificate = _distribution()["ViewerCertificate"]
    condition, with_certificate, _ = certificate.value
    assert condition == "HasCdnCertificate"
    assert with_certificate["MinimumProtocolVersion"] in {"TLSv1.2_2021", "TLSv1.2_2025"}
    assert with_certificate["SslSupportMethod"] == "sni-only"
    rule = TEMPLATE["Rules"]["ProdCdnEnforcesTls12"]
    assert rule["RuleCondition"].value == [Intrinsic("Ref", "Stage"), "prod"]
    asserted = repr(rule["Assertions"])
    assert "CdnCertificateArn" in asserted and "CdnDomainName" in asserted


def test_cdn_url_is_an_output() -> None:
    output = TEMPLATE["Outputs"]["CdnUrl"]["Value"]
    assert output.name == "If"
    assert "${CdnDistribution.DomainName}" in repr(output.value)


def test_gets_are_cached_by_the_origins_cache_control_with_the_apis_query_keys() -> None:
    lists = _cache_policy(_behavior_for("/articles"))
    assert lists is not None
    keys = lists["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keys["QueryStringsConfig"]["QueryStringBehavior"] == "whitelist"
    assert set(keys["QueryStringsConfig"]["QueryStrings"]) == {
        "category",
        "tag",
        "limit",
        "cursor",
        "author",
        "q",
    }
    pages = _cache_policy(_behavior_for("/articles/en-artikel"))
    assert pages is not None
    assert _cache_policy(_behavior_for("/ebooks/en-bog")) == pages
    page_keys = pages["ParametersInCacheKeyAndForwardedToOrigin"]
    assert page_keys["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    for policy in (lists, pages):
        # DefaultTTL 0: what the origin does not mark cacheable (problems: no-store) is not.
        assert policy["MinTTL"] == 0 and policy["DefaultTTL"] == 0
        parameters = policy["ParametersInCacheKeyAndForwardedToOrigin"]
        # CORS stays right per origin: Access-Control-Allow-Origin varies with Origin.
        assert parameters["HeadersConfig"]["Headers"] == ["Origin"]
        assert parameters["CookiesConfig"]["CookieBehavior"] == "none"
        assert parameters["EnableAcceptEncodingGzip"] and parameters["EnableAcceptEncodingBrotli"]
    # Lists cannot all be named in an invalidation: they expire within the freshness target.
    assert lists["MaxTTL"] <= 60
    assert pages["MaxTTL"] >= 300


def test_the_apis_query_parameters_on_cached_routes_are_in_the_cache_key() -> None:
    """Otherwise two different answers would share one cached copy."""
    for path, methods, query in _app_routes():
        behavior = _behavior_for(path)
        policy = _cache_policy(behavior)
        if policy is None or not methods & {"GET", "HEAD"}:
            continue
        config = policy["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]
        keyed = set(config.get("QueryStrings", []))
        assert query <= keyed, (path, query - keyed)


def test_post_and_personal_routes_are_never_cached() -> None:
    patterns = {b["PathPattern"]: b for b in _distribution()["CacheBehaviors"]}
    assert set(patterns) >= PERSONAL_PATTERNS
    for pattern in PERSONAL_PATTERNS:
        behavior = patterns[pattern]
        assert behavior["CachePolicyId"] == CACHING_DISABLED, pattern
        assert "POST" in behavior["AllowedMethods"], pattern
    for path, methods, _ in _app_routes():
        if methods & {"POST", "PUT", "PATCH", "DELETE"} or path.startswith(
            ("/newsletter/", "/preview/")
        ):
            assert _cache_policy(_behavior_for(path)) is None, path
    assert _cache_policy(_behavior_for("/ebooks/x/download")) is None
    cached = [b for b in _behaviors() if b["CachePolicyId"] != CACHING_DISABLED]
    assert all(set(b["CachedMethods"]) == {"GET", "HEAD"} for b in cached)
    assert all("POST" not in b["AllowedMethods"] for b in cached)


def test_personal_routes_forward_the_viewer_address_and_never_host() -> None:
    personal = _origin_request_policy(_behavior_for("/ebooks/x/requests"))
    headers = personal["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist"
    assert "CloudFront-Viewer-Address" in headers["Headers"]
    for behavior in _behaviors():
        config = _origin_request_policy(behavior)["HeadersConfig"]
        assert config["HeaderBehavior"] == "whitelist"  # allViewer would send Host
        assert "host" not in {h.lower() for h in config["Headers"]}


def test_viewer_address_is_trusted_only_with_the_origin_secret() -> None:
    from newsdesk.api import client_ip

    (origin,) = _distribution()["Origins"]
    (header,) = origin["OriginCustomHeaders"]
    assert header["HeaderName"].lower() == client_ip.ORIGIN_VERIFY_HEADER
    condition, rotated, created = header["HeaderValue"].value
    assert condition == "HasOriginVerifyVersion"
    assert created.value == "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"
    assert rotated.value == (
        "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString:::"
        "${OriginVerifySecretVersion}}}"
    )
    secret = TEMPLATE["Resources"]["OriginVerifySecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    env = FUNCTIONS["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert _ref(env["ORIGIN_VERIFY_SECRET"]) == "OriginVerifySecret"


def test_functions_that_change_pages_invalidate_only_this_distribution() -> None:
    for logical_id in ("PublishFunction", "RelatedFunction"):
        env = FUNCTIONS[logical_id]["Properties"]["Environment"]["Variables"]
        assert _ref(env["CDN_DISTRIBUTION_ID"]) == "CdnDistribution"
        (statement,) = [
            s
            for s in _statements(FUNCTIONS[logical_id])
            if "cloudfront:CreateInvalidation" in _as_list(s["Action"])
        ]
        assert _as_list(statement["Action"]) == ["cloudfront:CreateInvalidation"]
        assert statement["Resource"].value.endswith(":distribution/${CdnDistribution}")
    api_actions = [a for s in _statements(FUNCTIONS["ApiFunction"]) for a in _as_list(s["Action"])]
    assert not [a for a in api_actions if a.startswith("cloudfront:")]


@pytest.mark.parametrize(
    "logical_id",
    sorted(name for name, r in TEMPLATE["Resources"].items() if r["Type"] in STATEFUL_TYPES),
)
def test_stateful_resources_survive_deletes_and_replacements(logical_id: str) -> None:
    resource = TEMPLATE["Resources"][logical_id]
    assert resource.get("DeletionPolicy") == "Retain", logical_id
    assert resource.get("UpdateReplacePolicy") == "Retain", logical_id
    if resource["Type"] == "AWS::DynamoDB::Table":
        props = resource["Properties"]
        assert props["DeletionProtectionEnabled"] is True
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    else:
        assert resource["Properties"]["VersioningConfiguration"]["Status"] == "Enabled"


def test_stateful_resources_are_the_table_and_the_bucket() -> None:
    """A new stateful type (a queue of record, a file system …) must join STATEFUL_TYPES."""
    kinds = {r["Type"] for r in TEMPLATE["Resources"].values()}
    holders = kinds & {"AWS::RDS::DBInstance", "AWS::EFS::FileSystem", "AWS::DynamoDB::GlobalTable"}
    assert not holders
    assert resources("AWS::DynamoDB::Table") and resources("AWS::S3::Bucket")


def test_old_versions_expire_by_prefix_and_incomplete_uploads_after_a_week() -> None:
    (bucket,) = resources("AWS::S3::Bucket").values()
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert all(rule["Status"] == "Enabled" for rule in rules)
    noncurrent = {
        rule["Prefix"]: rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        for rule in rules
        if "NoncurrentVersionExpiration" in rule
    }
    assert noncurrent == {"reports/": 30, "articles/": 365, "ebooks/": 365}
    (abort,) = [rule for rule in rules if "AbortIncompleteMultipartUpload" in rule]
    assert abort["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
    assert "Prefix" not in abort and "Filter" not in abort  # the whole bucket
    assert not [rule for rule in rules if "ExpirationInDays" in rule]  # current ones stay


def _dynamodb_statements(logical_id: str) -> list[dict[str, Any]]:
    return [
        s
        for s in _statements(FUNCTIONS[logical_id])
        if any(a.startswith("dynamodb:") for a in _as_list(s["Action"]))
    ]


def test_api_function_reads_only_what_it_serves() -> None:
    function = FUNCTIONS["ApiFunction"]
    # Only inline statements: SAM's DynamoDBReadPolicy includes Scan on the table and index/*.
    assert all(set(p) == {"Statement"} for p in function["Properties"]["Policies"])
    indexes = {
        i["IndexName"]
        for i in TEMPLATE["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"]
    }
    actions: set[str] = set()
    for statement in _dynamodb_statements("ApiFunction"):
        actions |= set(_as_list(statement["Action"]))
        for resource in _as_list(statement["Resource"]):
            if _ref(resource) == "Table":
                # The table itself: only under the partitions the API serves.
                leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                # Prefixes of partition families, or single named partitions (RSTATS, GOLIVE).
                assert leading and all(k.endswith("#*") or "*" not in k for k in leading)
            else:
                assert resource.name == "Sub", resource
                prefix, _, index = str(resource.value).rpartition("/index/")
                assert prefix == "${Table.Arn}" and index in indexes, resource
                assert set(_as_list(statement["Action"])) == {"dynamodb:Query"}
    assert actions <= {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",  # a withdrawn consent, the repeat mark of a refused mail
        "dynamodb:BatchGetItem",  # a preview's related teasers: profiles and statistics
    }
    assert {"dynamodb:GetItem", "dynamodb:Query"} <= actions


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_no_function_scans_or_holds_wildcard_keys_or_writes_secrets(logical_id: str) -> None:
    function = FUNCTIONS[logical_id]
    for policy in function["Properties"].get("Policies", []):
        assert not (isinstance(policy, dict) and "DynamoDBReadPolicy" in policy), logical_id
        assert not (isinstance(policy, dict) and "DynamoDBCrudPolicy" in policy), logical_id
    for statement in _statements(function):
        actions = _as_list(statement["Action"])
        assert "dynamodb:Scan" not in actions
        assert not [a for a in actions if a.startswith(("ssm:", "kms:"))], actions
        assert not [
            a
            for a in actions
            if a.startswith("secretsmanager:") and a != "secretsmanager:GetSecretValue"
        ], actions
        for resource in _as_list(statement["Resource"]):
            assert ":key/" not in repr(resource), f"{logical_id}: {resource}"
            assert "/index/*" not in repr(resource), f"{logical_id}: {resource}"


def test_secrets_are_generated_by_the_stack_and_only_read() -> None:
    secrets = resources("AWS::SecretsManager::Secret")
    assert {"EbookTokenSecret", "OriginVerifySecret"} <= set(secrets)
    for secret in secrets.values():
        generate = secret["Properties"]["GenerateSecretString"]
        assert generate["PasswordLength"] >= 32
        assert "SecretString" not in secret["Properties"]  # never in the template
    env = FUNCTIONS["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert _ref(env["EBOOK_TOKEN_SECRET"]) == "EbookTokenSecret"
    (read,) = [
        s
        for s in _statements(FUNCTIONS["ApiFunction"])
        if "secretsmanager:GetSecretValue" in _as_list(s["Action"])
    ]
    assert {_ref(r) for r in _as_list(read["Resource"])} <= set(secrets)
    assert "EbookTokenParameterName" not in TEMPLATE["Parameters"]
    source = (ROOT / "functions/newsdesk/dal/secrets.py").read_text("utf-8")
    assert "put_parameter" not in source and "put_secret_value" not in source


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_bucket_listing_only_under_the_upload_prefixes(logical_id: str) -> None:
    for statement in _statements(FUNCTIONS[logical_id]):
        actions = _as_list(statement["Action"])
        if not {"s3:ListBucket", "s3:ListBucketVersions"} & set(actions):
            continue
        prefixes = statement["Condition"]["StringLike"]["s3:prefix"]
        assert sorted(prefixes) == ["articles/*", "ebooks/*"], logical_id


def test_api_releases_go_out_as_a_canary_rolled_back_by_its_alarms() -> None:
    props = FUNCTIONS["ApiFunction"]["Properties"]
    assert props["AutoPublishAlias"]
    preference = props["DeploymentPreference"]
    assert preference["Type"] == "Canary10Percent5Minutes"
    alarms = {_ref(alarm) for alarm in preference["Alarms"]}
    assert set(_alarms_on("AWS/Lambda", "Errors", "FunctionName", "ApiFunction")) <= alarms
    (api_id,) = resources("AWS::Serverless::HttpApi")
    assert set(_alarms_on("AWS/ApiGateway", "5xx", "ApiId", api_id)) <= alarms
    assert alarms <= set(ALARMS)
