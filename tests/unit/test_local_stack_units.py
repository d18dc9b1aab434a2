"""The local stack's parts without servers: filter patterns, intrinsics, triggers read from
template.yaml, S3 event records, HTTP API events, and stream batches with partial failures."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.local import patterns
from infra.local.functions import (
    FunctionSpec,
    HttpRoute,
    LocalFunction,
    S3Trigger,
    StreamTrigger,
    function_specs,
)
from infra.local.httpapi import DEFAULT_HOST, http_api_event, http_api_response, request_event
from infra.local.intrinsics import Resolver, UnresolvableError
from infra.local.s3events import (
    CREATED,
    DELETE_MARKER,
    DELETED,
    Change,
    Sequencer,
    diff_listing,
    s3_record,
)
from infra.local.stack import generated_secret, seed_files
from infra.local.streams import StreamPoller, lambda_record
from infra.template.reading import (
    TEMPLATE_PATH,
    Intrinsic,
    create_table_request,
    load_template,
    resources,
    table_create_request,
)

BUCKET = "newsdesk-dev-content-123456789012-eu-north-1"

# -- filter patterns --------------------------------------------------------------------

RECORD = {
    "eventName": "MODIFY",
    "dynamodb": {
        "Keys": {"PK": {"S": "ARTICLE#inklusion"}, "SK": {"S": "A#META"}},
        "NewImage": {"tags": {"L": [{"S": "Bolig"}, {"S": "Ballerup"}]}, "n": 7},
        "SizeBytes": 120,
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"dynamodb": {"Keys": {"SK": {"S": ["A#META"]}}}}, True),
        ({"dynamodb": {"Keys": {"SK": {"S": ["A#RELATED"]}}}}, False),
        ({"eventName": ["INSERT", "MODIFY"]}, True),
        ({"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "ARTICLE#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"PK": {"S": [{"suffix": "#inklusion"}]}}}}, True),
        ({"dynamodb": {"Keys": {"PK": {"S": [{"prefix": "EBOOK#"}]}}}}, False),
        ({"eventName": [{"anything-but": "REMOVE"}]}, True),
        ({"eventName": [{"anything-but": ["MODIFY", "REMOVE"]}]}, False),
        ({"eventName": [{"anything-but": {"prefix": "MOD"}}]}, False),
        ({"eventName": [{"equals-ignore-case": "modify"}]}, True),
        ({"dynamodb": {"OldImage": [{"exists": False}]}}, True),
        ({"dynamodb": {"NewImage": [{"exists": True}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 100, "<=", 120]}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": ["<", 100]}]}}, False),
        ({"dynamodb": {"NewImage": {"tags": {"L": {"S": ["Ballerup"]}}}}}, False),
        ({"dynamodb": {"NewImage": {"n": [7]}}}, True),
        ({"dynamodb": {"NewImage": {"missing": ["x"]}}}, False),
        ({"$or": [{"eventName": ["INSERT"]}, {"dynamodb": {"SizeBytes": [120]}}]}, True),
    ],
)
def test_pattern_rules(pattern: dict[str, Any], expected: bool) -> None:
    assert patterns.matches(pattern, RECORD) is expected


def test_list_values_match_when_any_element_does() -> None:
    assert patterns.matches({"tags": ["Ballerup"]}, {"tags": ["Bolig", "Ballerup"]})
    assert not patterns.matches({"tags": ["Sport"]}, {"tags": ["Bolig", "Ballerup"]})


def test_booleans_are_not_numbers_and_null_matches_only_null() -> None:
    assert not patterns.matches({"x": [1]}, {"x": True})
    assert patterns.matches({"x": [None]}, {"x": None})
    assert not patterns.matches({"x": [None]}, {})


def test_several_filters_pass_a_record_when_any_matches() -> None:
    filters = [
        patterns.parse('{"eventName": ["REMOVE"]}'),
        patterns.parse('{"eventName": ["MODIFY"]}'),
    ]
    assert patterns.matches_any(filters, RECORD)


@pytest.mark.parametrize(
    "bad",
    [{"x": "not-a-list"}, {"x": [{"prefix": "a", "suffix": "b"}]}, {"x": [{"regex": "a"}]}],
)
def test_patterns_lambda_would_refuse_are_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(patterns.PatternError):
        patterns.matches(bad, {"x": "abc"})


@given(st.text(), st.text())
def test_prefix_rule_is_startswith(prefix: str, value: str) -> None:
    assert patterns.matches({"v": [{"prefix": prefix}]}, {"v": value}) == value.startswith(prefix)


@given(st.one_of(st.text(), st.integers()), st.lists(st.one_of(st.text(), st.integers())))
def test_anything_but_is_the_negation_of_exact_values(value: Any, excluded: list[Any]) -> None:
    exact = patterns.matches({"v": excluded}, {"v": value})
    assert patterns.matches({"v": [{"anything-but": excluded}]}, {"v": value}) is not exact


# -- intrinsics and the template's functions -----------------------------------------------


def test_resolver_evaluates_the_intrinsics_the_template_uses() -> None:
    resolver = Resolver(region="eu-north-1", refs={"Table": "t"}, parameters={"Stage": "prod"})
    resolver.attributes[("Table", "StreamArn")] = "arn:stream"
    assert resolver.resolve(Intrinsic("Ref", "Table")) == "t"
    assert resolver.resolve(Intrinsic("GetAtt", "Table.StreamArn")) == "arn:stream"
    assert resolver.resolve(Intrinsic("Sub", "x-${Stage}-${AWS::Region}-${!Lit}")) == (
        "x-prod-eu-north-1-${Lit}"
    )
    assert resolver.resolve(Intrinsic("Sub", ["${A}/${Table.StreamArn}", {"A": "a"}])) == (
        "a/arn:stream"
    )
    origins = Intrinsic("Ref", "CorsAllowedOrigins")
    assert resolver.resolve(Intrinsic("Join", [",", origins])) == "http://localhost:5173"
    assert resolver.resolve({"Fn::Select": [1, ["a", "b"]]}) == "b"
    mapped = Intrinsic("FindInMap", ["StageSettings", Intrinsic("Ref", "Stage"), "ApiConcurrency"])
    assert resolver.resolve(mapped) == 50
    has_topic = Intrinsic("If", ["HasAlarmTopic", "yes", Intrinsic("Ref", "AWS::NoValue")])
    assert resolver.resolve({"A": has_topic, "B": 1}) == {"B": 1}
    with pytest.raises(UnresolvableError):
        resolver.resolve(Intrinsic("Ref", "Nowhere"))


def _specs() -> dict[str, FunctionSpec]:
    refs = {"Table": "newsdesk-Table", "ContentBucket": BUCKET, "CdnDistribution": ""}
    refs |= {"EbookTokenSecret": "arn:secret:e", "OriginVerifySecret": "arn:secret:o"}
    resolver = Resolver(region="eu-north-1", refs=refs)
    resolver.attributes[("Table", "StreamArn")] = "arn:aws:dynamodb:eu-north-1:1:table/t/stream/s"
    for queue in resources("AWS::SQS::Queue"):
        resolver.attributes[(queue, "Arn")] = f"arn:aws:sqs:eu-north-1:1:{queue}"
    for group in resources("AWS::Scheduler::ScheduleGroup"):
        resolver.refs[group] = f"newsdesk-{group}"
    for role in resources("AWS::IAM::Role"):
        resolver.attributes[(role, "Arn")] = f"arn:aws:iam::1:role/{role}"
    for secret in resources("AWS::SecretsManager::Secret"):
        resolver.refs[secret] = f"arn:aws:secretsmanager:eu-north-1:1:secret:{secret}"
    return {spec.logical_id: spec for spec in function_specs(resolver)}


def test_every_function_and_trigger_comes_from_the_template() -> None:
    specs = _specs()
    assert set(specs) == set(resources("AWS::Serverless::Function"))
    publish = specs["PublishFunction"]
    assert {(t.events, t.prefix) for t in publish.s3} == {
        (("s3:ObjectCreated:*",), "articles/"),
        (("s3:ObjectRemoved:*",), "articles/"),
        (("s3:ObjectCreated:*",), "ebooks/"),
        (("s3:ObjectRemoved:*",), "ebooks/"),
    }
    assert {t.bucket for t in publish.s3} == {BUCKET}
    assert publish.async_on_failure == "arn:aws:sqs:eu-north-1:1:PublishFailureQueue"
    (queue,) = specs["PublishFailureFunction"].queues
    assert (queue.queue_arn, queue.report_item_failures) == (publish.async_on_failure, True)
    (stream,) = specs["RelatedFunction"].streams
    template_props = load_template()["Resources"]["RelatedFunction"]["Properties"]
    source = template_props["Events"]["ArticleChanges"]["Properties"]
    assert stream.batch_size == source["BatchSize"]
    assert stream.report_item_failures
    assert stream.filters == tuple(
        json.loads(f["Pattern"]) for f in source["FilterCriteria"]["Filters"]
    )
    (route,) = specs["ApiFunction"].http
    assert route.route_key == "ANY /{proxy+}"
    for spec in specs.values():
        assert spec.environment["CONTENT_BUCKET"] == BUCKET
        assert spec.environment["TABLE_NAME"] == "newsdesk-Table"
        assert spec.code_dir == (TEMPLATE_PATH.parent / "functions").resolve()


def test_table_request_for_any_table_equals_the_single_table_helper() -> None:
    ((_, table),) = resources("AWS::DynamoDB::Table").items()
    assert table_create_request(table["Properties"], "x") == create_table_request("x")


def test_generated_secrets_follow_the_template() -> None:
    template = load_template()
    for secret in resources("AWS::SecretsManager::Secret", template).values():
        spec = secret["Properties"]["GenerateSecretString"]
        value = generated_secret(spec)
        assert len(value) == spec["PasswordLength"] and value.isalnum()


def test_seed_uploads_ebook_pdfs_first_and_only_the_bucket_folders(tmp_path: Any) -> None:
    for name in ("articles/b.md", "articles/a.json", "ebooks/x.md", "ebooks/x.pdf", "README.md"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    keys = [key for key, _ in seed_files(tmp_path)]
    assert keys == ["ebooks/x.pdf", "ebooks/x.md", "articles/a.json", "articles/b.md"]


# -- S3 events ------------------------------------------------------------------------------


@given(st.text(alphabet="abc æøåÆØÅ+/%&?=#.-_", min_size=1, max_size=30))
def test_s3_record_keys_are_url_encoded_like_aws(name: str) -> None:
    key = f"articles/{name}"
    record = s3_record(
        Change(CREATED, key, "v1", 3, '"abc"'),
        bucket=BUCKET,
        region="eu-north-1",
        sequencer="0A",
        configuration_id="ArticleCreated",
    )
    encoded = record["s3"]["object"]["key"]
    assert unquote_plus(encoded) == key
    assert " " not in encoded
    assert all(ord(char) < 128 for char in encoded)


def test_s3_record_shape() -> None:
    record = s3_record(
        Change(CREATED, "articles/Når generationer mødes.md", "v1", 42, '"e7a"'),
        bucket=BUCKET,
        region="eu-north-1",
        sequencer="0055AED6DCD90281E5",
        configuration_id="ArticleCreated",
    )
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"].endswith("Z")
    assert record["s3"]["bucket"] == {
        "name": BUCKET,
        "ownerIdentity": {"principalId": "LOCALOWNER"},
        "arn": f"arn:aws:s3:::{BUCKET}",
    }
    assert record["s3"]["object"] == {
        "key": "articles/N%C3%A5r+generationer+m%C3%B8des.md",
        "size": 42,
        "eTag": "e7a",
        "versionId": "v1",
        "sequencer": "0055AED6DCD90281E5",
    }
    removed = s3_record(
        Change(DELETE_MARKER, "articles/a.md", "v2"),
        bucket=BUCKET,
        region="eu-north-1",
        sequencer="0B",
        configuration_id="ArticleRemoved",
    )
    assert set(removed["s3"]["object"]) == {"key", "versionId", "sequencer"}


def test_sequencers_only_grow() -> None:
    sequencer = Sequencer()
    values = [sequencer.next() for _ in range(1000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert {len(v) for v in values} == {18}


def test_a_restarted_stack_s_sequencers_continue_above_the_last_whatever_the_clock() -> None:
    """The publish function drops an event whose sequencer is not above the key's last one:
    after the clock was set back an hour and the stack restarted, every upload of a key
    published before was ignored."""
    before = Sequencer()
    before.next()
    an_hour_ahead = f"{int(before.last or '0', 16) + (3_600_000 << 16):018X}"

    after = Sequencer(after=an_hour_ahead)

    values = [after.next() for _ in range(3)]
    assert values[0] > an_hour_ahead
    assert values == sorted(values)
    assert after.last == values[-1]
    assert Sequencer(after="0" * 18).next() >= (before.last or "")  # the clock decides


def test_triggers_honour_event_names_prefix_and_suffix() -> None:
    trigger = S3Trigger("T", BUCKET, ("s3:ObjectCreated:*",), prefix="inbox/", suffix=".txt")
    assert trigger.wants("ObjectCreated:Put", "inbox/a.txt")
    assert not trigger.wants("ObjectRemoved:Delete", "inbox/a.txt")
    assert not trigger.wants("ObjectCreated:Put", "inbox/a.md")
    assert not trigger.wants("ObjectCreated:Put", "other/a.txt")


def _version(key: str, version: str, latest: bool, second: int = 0) -> dict[str, Any]:
    return {
        "Key": key,
        "VersionId": version,
        "IsLatest": latest,
        "LastModified": second,
        "Size": 1,
        "ETag": '"e"',
    }


def test_listing_diff_finds_puts_delete_markers_and_deleted_versions_in_order() -> None:
    seen: dict[tuple[str, str], Change] = {}
    first = diff_listing(seen, [_version("a", "v1", True)], [])
    assert [(c.event_name, c.version_id) for c in first] == [(CREATED, "v1")]
    assert diff_listing(seen, [_version("a", "v1", True)], []) == []
    # Same second: a new version, then a delete marker on top of it.
    second = diff_listing(
        seen,
        [_version("a", "v2", False), _version("a", "v1", False)],
        [{"Key": "a", "VersionId": "m1", "IsLatest": True, "LastModified": 0}],
    )
    assert [(c.event_name, c.version_id) for c in second] == [
        (CREATED, "v2"),
        (DELETE_MARKER, "m1"),
    ]
    third = diff_listing(seen, [_version("a", "v2", True)], [])
    assert [(c.event_name, c.version_id) for c in third] == [(DELETED, "v1"), (DELETED, "m1")]


# -- HTTP API events --------------------------------------------------------------------------


def test_http_api_event_is_payload_format_2() -> None:
    route = HttpRoute("Proxy", "ANY", "/{proxy+}")
    event = http_api_event(
        method="GET",
        target="/articles?tag=F%C3%A6llesskab&tag=Bolig&limit=2",
        headers=[
            ("Host", "127.0.0.1:3000"),
            ("Cookie", "a=1; b=2"),
            ("X-Two", "1"),
            ("x-two", "2"),
        ],
        body=b"",
        source_ip="127.0.0.1",
        route=route,
        path_parameters={"proxy": "articles"},
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "ANY /{proxy+}"
    assert event["rawQueryString"] == "tag=F%C3%A6llesskab&tag=Bolig&limit=2"
    assert event["queryStringParameters"] == {"tag": "Fællesskab,Bolig", "limit": "2"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"] == {"host": "127.0.0.1:3000", "x-two": "1,2"}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["stage"] == "$default"
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_http_api_event_bodies_text_or_base64() -> None:
    route = HttpRoute("Proxy")
    common: dict[str, Any] = {
        "method": "POST",
        "target": "/x",
        "source_ip": "127.0.0.1",
        "route": route,
        "path_parameters": {},
    }
    text = http_api_event(
        headers=[("Content-Type", "application/json")], body=b'{"a":"\xc3\xa6"}', **common
    )
    assert (text["body"], text["isBase64Encoded"]) == ('{"a":"æ"}', False)
    pdf = http_api_event(headers=[("Content-Type", "application/pdf")], body=b"%PDF\xff", **common)
    assert pdf["isBase64Encoded"] is True
    assert base64.b64decode(pdf["body"]) == b"%PDF\xff"


def test_request_event_is_the_proxy_routes_event() -> None:
    event = request_event("GET", "/articles/a%20b?limit=2", headers={"If-None-Match": '"x"'})
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "ANY /{proxy+}"
    assert event["pathParameters"] == {"proxy": "articles/a b"}
    assert event["headers"] == {"host": DEFAULT_HOST, "if-none-match": '"x"'}
    assert event["requestContext"]["domainName"] == DEFAULT_HOST
    assert event["requestContext"]["http"]["sourceIp"] == "192.0.2.10"
    assert event["queryStringParameters"] == {"limit": "2"}
    own_host = request_event("POST", "/x", headers={"Host": "api.example.dk"}, body=b"{}")
    assert own_host["headers"] == {"host": "api.example.dk"}
    assert (own_host["body"], own_host["isBase64Encoded"]) == ("{}", False)


def test_http_api_response_forms() -> None:
    status, headers, body = http_api_response(
        {
            "statusCode": 201,
            "headers": {"content-type": "application/json", "content-length": "999"},
            "cookies": ["s=1; Path=/"],
            "body": base64.b64encode(b"{}").decode(),
            "isBase64Encoded": True,
        }
    )
    assert (status, body) == (201, b"{}")
    assert ("set-cookie", "s=1; Path=/") in headers
    assert all(name != "content-length" for name, _ in headers)
    assert http_api_response({"ok": True}) == (
        200,
        [("content-type", "application/json")],
        b'{"ok": true}',
    )


@pytest.mark.parametrize(
    ("route_path", "method", "path", "params"),
    [
        ("/{proxy+}", "GET", "/articles/a", {"proxy": "articles/a"}),
        ("/articles/{slug}", "GET", "/articles/a", {"slug": "a"}),
        ("/articles/{slug}", "GET", "/articles/a/b", None),
        ("/articles", "GET", "/ebooks", None),
        ("$default", "PATCH", "/anything", {}),
    ],
)
def test_routes_match_like_api_gateway(
    route_path: str, method: str, path: str, params: dict[str, str] | None
) -> None:
    assert HttpRoute("R", "ANY", route_path).match(method, path) == params


def test_route_method_must_match() -> None:
    assert HttpRoute("R", "GET", "/articles").match("POST", "/articles") is None


# -- DynamoDB stream batches --------------------------------------------------------------------

CALLS: list[list[str]] = []
FAILING: set[str] = set()


def flaky_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fails the records whose sequence number is in FAILING (a stand-in stream consumer)."""
    numbers = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
    CALLS.append(numbers)
    return {"batchItemFailures": [{"itemIdentifier": n} for n in numbers if n in FAILING]}


def _poller(
    max_retries: int, failures: list[tuple[str, dict[str, Any]]]
) -> tuple[StreamPoller, LocalFunction]:
    spec = FunctionSpec(
        logical_id="Consumer",
        handler=f"{__name__}.flaky_handler",
        code_dir=TEMPLATE_PATH.parent,
        environment={},
    )
    function = LocalFunction(spec, "eu-north-1")
    assert function.load()
    trigger = StreamTrigger(
        name="Changes",
        stream_arn="arn:aws:dynamodb:eu-north-1:123456789012:table/t/stream/s",
        batch_size=10,
        max_retries=max_retries,
        report_item_failures=True,
        on_failure="arn:aws:sqs:eu-north-1:123456789012:dlq",
    )
    poller = StreamPoller(
        None, trigger, function, "eu-north-1", lambda arn, rec: failures.append((arn, rec))
    )
    poller.retry_delay = 0.0
    return poller, function


def _records(*numbers: str) -> list[dict[str, Any]]:
    return [
        {"eventID": n, "eventName": "INSERT", "dynamodb": {"SequenceNumber": n}} for n in numbers
    ]


def test_partial_batch_failure_retries_from_the_first_failed_record() -> None:
    CALLS.clear()
    FAILING.clear()
    failures: list[tuple[str, dict[str, Any]]] = []
    poller, function = _poller(max_retries=3, failures=failures)
    FAILING.add("2")

    def heal(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result = flaky_handler(event, context)
        FAILING.clear()
        return result

    function.handler = heal
    poller._process("shard-1", _records("1", "2", "3"), attempts=0)
    function.shutdown()
    assert CALLS == [["1", "2", "3"], ["2", "3"]]
    assert failures == []


def test_exhausted_retries_go_to_the_on_failure_destination() -> None:
    CALLS.clear()
    FAILING.clear()
    failures: list[tuple[str, dict[str, Any]]] = []
    poller, function = _poller(max_retries=2, failures=failures)
    FAILING.update({"2", "3"})
    poller._process("shard-1", _records("1", "2", "3"), attempts=0)
    function.shutdown()
    assert CALLS == [["1", "2", "3"], ["2", "3"], ["2", "3"]]
    ((arn, record),) = failures
    assert arn == "arn:aws:sqs:eu-north-1:123456789012:dlq"
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    info = record["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        "2",
        "3",
        2,
    )


def test_stream_records_are_shaped_as_lambda_delivers_them() -> None:
    from datetime import UTC, datetime

    raw = {
        "eventID": "e",
        "eventName": "INSERT",
        "eventVersion": "1.0",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 11, 20, tzinfo=UTC),
            "Keys": {"PK": {"S": "a"}, "B": {"B": b"\x00\x01"}},
            "SequenceNumber": "1",
        },
    }
    record = lambda_record(raw, "arn:stream", "eu-north-1")
    assert record["eventVersion"] == "1.1"
    assert record["awsRegion"] == "eu-north-1"
    assert record["eventSourceARN"] == "arn:stream"
    assert record["dynamodb"]["ApproximateCreationDateTime"] == 1795132800
    assert record["dynamodb"]["Keys"]["B"] == {"B": "AAE="}
    json.dumps(record)


def test_a_function_whose_module_does_not_exist_yet_is_skipped_with_a_reason() -> None:
    spec = FunctionSpec(
        "Later", "newsdesk.handlers.not_written_yet.handler", TEMPLATE_PATH.parent, {}
    )
    function = LocalFunction(spec, "eu-north-1")
    assert not function.load()
    assert "newsdesk.handlers.not_written_yet does not exist yet" in function.status
    function.shutdown()


def test_banner_keeps_long_function_names_apart_from_their_status() -> None:
    from infra.local.__main__ import banner

    info = {
        "functions": {
            "ApiFunction": {"status": "ready"},
            "PublishFailureFunction": {"status": "ready"},
        },
        "api_url": "http://127.0.0.1:3000",
        "aws_endpoint_url": "http://127.0.0.1:5050",
        "content_bucket": "b",
        "table_name": "t",
        "outbox_dir": "o",
    }
    lines = banner(info, Path("stack.json")).splitlines()
    rows = [line.split() for line in lines if line.startswith("    ") and "ready" in line]
    assert rows == [["ApiFunction", "ready"], ["PublishFailureFunction", "ready"]]
