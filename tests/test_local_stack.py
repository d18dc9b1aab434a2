"""The local stack end to end: `python -m infra.local` in a subprocess on free ports, seeded,
with a copy of template.yaml that adds one more function (a recorder) — which the stack must
wire up with no change of its own. Uploads go through boto3 to the printed endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.serving import interrupt
from infra.local.template import TEMPLATE_PATH

pytestmark = pytest.mark.slow

REPO = TEMPLATE_PATH.parent
CONTENT = REPO / "infra" / "content"
STARTUP_DEADLINE = 240.0
DEADLINE = 30.0

RECORDER = """
  RecorderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tests.events.recorder.handler
      CodeUri: {repo}
      Environment:
        Variables:
          RECORD_DIR: {records}
      Events:
        Inbox:
          Type: S3
          Properties:
            Bucket: !Ref ContentBucket
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - {{ Name: prefix, Value: inbox/ }}
                  - {{ Name: suffix, Value: .txt }}
        Wanted:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: LATEST
            BatchSize: 2
            FilterCriteria:
              Filters:
                - Pattern: '{{"dynamodb": {{"Keys": {{"PK": {{"S": [{{"prefix": "LOCALTEST#"}}]}}}},
                    "NewImage": {{"kind": {{"S": ["wanted"]}}}}}}}}'
"""


def eventually[T](probe: Callable[[], T | None], what: str, deadline: float = DEADLINE) -> T:
    """Poll `probe` until it returns something, or fail naming `what`."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = probe()
        if result is not None:
            return result
        time.sleep(0.1)
    pytest.fail(f"not within {deadline:.0f} s: {what}")


def http(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without raising on 4xx/3xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The seeded stack with the recorder function; stopped with SIGTERM like Ctrl-C."""
    root = tmp_path_factory.mktemp("local-stack")
    records = root / "records"
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    text = text.replace("CodeUri: functions/", f"CodeUri: {REPO / 'functions'}")
    text = text.replace(
        "\nResources:\n", "\nResources:\n" + RECORDER.format(repo=REPO, records=records), 1
    )
    template = root / "template.yaml"
    template.write_text(text, encoding="utf-8")
    state = root / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "infra.local", "--template", str(template)),
            *("--state-dir", str(state), "--aws-port", "0", "--api-port", "0"),
        ],
        cwd=REPO,
        env=env,
        stdout=(root / "stdout.log").open("w"),
        stderr=subprocess.STDOUT,
    )

    def ready() -> dict[str, Any] | None:
        if process.poll() is not None:
            pytest.fail(f"the stack exited: {(root / 'stdout.log').read_text()[-3000:]}")
        file = state / "stack.json"
        return json.loads(file.read_text(encoding="utf-8")) if file.exists() else None

    try:
        info = eventually(ready, "stack.json (ready signal)", STARTUP_DEADLINE)
        yield info | {"records": records, "state": state, "log": root / "stdout.log"}
    finally:
        interrupt(process)
    assert process.returncode == 0, (root / "stdout.log").read_text()[-3000:]
    assert not (state / "stack.json").exists()  # removed on a clean stop


def client(stack: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def recorded(stack: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(Path(stack["records"]).glob("*.json"))]


def test_stack_json_names_what_a_developer_needs(stack: dict[str, Any]) -> None:
    assert {"api_url", "aws_endpoint_url", "content_bucket", "table_name"} <= set(stack)
    assert stack["content_bucket"] == "newsdesk-dev-content-123456789012-eu-north-1"
    s3 = client(stack, "s3")
    versioning = s3.get_bucket_versioning(Bucket=stack["content_bucket"])
    assert versioning["Status"] == "Enabled"
    table = client(stack, "dynamodb").describe_table(TableName=stack["table_name"])["Table"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    ttl = client(stack, "dynamodb").describe_time_to_live(TableName=stack["table_name"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert stack["functions"]["RecorderFunction"]["status"] == "ready"


def test_seed_is_served_with_related_teasers(stack: dict[str, Any]) -> None:
    expected = json.loads((CONTENT / "expected_related.json").read_text(encoding="utf-8"))
    articles = sorted((CONTENT / "articles").iterdir())
    status, _, body = http(f"{stack['api_url']}/articles?limit=50")
    assert status == 200
    assert len(json.loads(body)["items"]) == len(articles)
    for slug, related in expected.items():
        status, _, body = http(f"{stack['api_url']}/articles/{slug}")
        assert status == 200
        page = json.loads(body)
        assert sorted(t["slug"] for t in page["related"]) == sorted(related)
        assert page["ebook"] is not None


def test_upload_is_live_over_http_and_delete_unpublishes(stack: dict[str, Any]) -> None:
    s3 = client(stack, "s3")
    key = "articles/Lokal prøve på åen.md"
    body = (
        "---\ntitle: Lokal prøve\nsubtitle: Fra editor til API\nsummary: Kort.\n"
        "category: Natur\ntags: [Åen]\nauthor: Asta Petersen\n---\nBrødtekst om åen.\n"
    )
    s3.put_object(Bucket=stack["content_bucket"], Key=key, Body=body.encode())
    url = f"{stack['api_url']}/articles/lokal-proeve-paa-aaen"

    def live() -> dict[str, Any] | None:
        status, headers, payload = http(url)
        return {"headers": headers, "page": json.loads(payload)} if status == 200 else None

    result = eventually(live, "the uploaded article served over HTTP")
    assert result["page"]["title"] == "Lokal prøve"
    etag = result["headers"]["etag"]
    assert http(url, {"If-None-Match": etag})[0] == 304
    report = s3.get_object(Bucket=stack["content_bucket"], Key=f"reports/{key}.json")
    assert json.loads(report["Body"].read())["status"] == "published"

    s3.delete_object(Bucket=stack["content_bucket"], Key=key)
    eventually(lambda: True if http(url)[0] == 404 else None, "the deleted article gone")


def test_template_only_function_gets_filtered_s3_events(stack: dict[str, Any]) -> None:
    s3 = client(stack, "s3")
    s3.put_object(Bucket=stack["content_bucket"], Key="inbox/ikke denne.md", Body=b"x")
    s3.put_object(Bucket=stack["content_bucket"], Key="inbox/Brev fra æblehaven.txt", Body=b"hej")

    def s3_events() -> list[dict[str, Any]] | None:
        found = [e for e in recorded(stack) if e["Records"][0].get("eventSource") == "aws:s3"]
        return found or None

    (event,) = eventually(s3_events, "the recorder's S3 event")
    record = event["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "inbox/Brev+fra+%C3%A6blehaven.txt"
    assert record["s3"]["object"]["size"] == 3
    assert record["s3"]["configurationId"] == "Inbox"
    assert record["s3"]["object"]["versionId"]
    # The .md never arrives: wait until the stack has seen later work, then check again.
    s3.put_object(Bucket=stack["content_bucket"], Key="inbox/senere.txt", Body=b"!")
    eventually(lambda: s3_events() if len(s3_events() or []) == 2 else None, "a later event")
    keys = [e["Records"][0]["s3"]["object"]["key"] for e in s3_events() or []]
    assert "inbox/ikke+denne.md" not in keys


def test_stream_dispatch_honours_the_filter_and_batch_size(stack: dict[str, Any]) -> None:
    dynamodb = client(stack, "dynamodb")
    items = [("LOCALTEST#1", "wanted"), ("LOCALTEST#2", "other"), ("OTHER#3", "wanted")]
    items += [("LOCALTEST#4", "wanted"), ("LOCALTEST#5", "wanted")]
    for pk, kind in items:
        dynamodb.put_item(
            TableName=stack["table_name"],
            Item={"PK": {"S": pk}, "SK": {"S": "X"}, "kind": {"S": kind}},
        )

    def stream_records() -> list[dict[str, Any]] | None:
        batches = [e["Records"] for e in recorded(stack) if e["Records"][0].get("dynamodb")]
        records = [r for batch in batches for r in batch]
        return batches if len(records) >= 3 else None

    batches = eventually(stream_records, "three filtered stream records")
    records = [r for batch in batches for r in batch]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in records] == [
        "LOCALTEST#1",
        "LOCALTEST#4",
        "LOCALTEST#5",
    ]
    assert all(len(batch) <= 2 for batch in batches)
    first = records[0]
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"].startswith("arn:aws:dynamodb:eu-north-1:123456789012:table/")
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)


def _article(title: str, tags: str) -> bytes:
    return (
        f"---\ntitle: {title}\nsummary: Om cykelstier i Ballerup.\ncategory: Trafik\n"
        f"tags: [{tags}]\nauthor: Asta Petersen\n---\n"
        "Kommunen bygger nye cykelstier langs Ballerup Boulevard og ved stationen.\n"
    ).encode()


def test_related_lists_follow_a_publish_after_a_cancelled_transaction(
    stack: dict[str, Any],
) -> None:
    """moto swaps the table object on a cancelled TransactWriteItems; the stream trigger
    read the old table's shard for ever and RelatedFunction was never invoked again."""
    dynamodb = client(stack, "dynamodb")
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": stack["table_name"],
                        "Item": {"PK": {"S": "LOCALTEST#tx"}, "SK": {"S": "X"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                }
            ]
        )
    s3 = client(stack, "s3")
    for slug, title in (
        ("cykelsti-nord", "Cykelsti mod nord"),
        ("cykelsti-syd", "Cykelsti mod syd"),
    ):
        body = _article(title, "Cykler, Ballerup, Trafiksikkerhed")
        s3.put_object(Bucket=stack["content_bucket"], Key=f"articles/{slug}.md", Body=body)

    def related() -> list[str] | None:
        status, _, payload = http(f"{stack['api_url']}/articles/cykelsti-nord")
        slugs = [t["slug"] for t in json.loads(payload)["related"]] if status == 200 else []
        return slugs if "cykelsti-syd" in slugs else None

    eventually(related, "cykelsti-syd among cykelsti-nord's related teasers")


def test_the_gateway_answers_cors_from_the_template(stack: dict[str, Any]) -> None:
    origin = "http://localhost:5173"  # the CorsAllowedOrigins default
    preflight = urllib.request.Request(
        f"{stack['api_url']}/articles",
        method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
    )
    with urllib.request.urlopen(preflight, timeout=10) as response:
        assert response.status == 204
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["access-control-max-age"] == "600"
    status, headers, _ = http(f"{stack['api_url']}/articles", {"Origin": origin})
    assert status == 200
    assert headers["access-control-allow-origin"] == origin
    assert headers["vary"] == "Origin"
    assert http(f"{stack['api_url']}/articles/", {"Host": "[::1]"})[0] == 404


def test_not_emulated_resources_are_listed(stack: dict[str, Any]) -> None:
    assert stack["not_emulated"]["AWS::CloudWatch::Alarm"] >= 1
    assert "AWS::Serverless::Function" not in stack["not_emulated"]
