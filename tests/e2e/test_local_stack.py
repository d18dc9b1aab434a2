"""The local stack's own behaviour (skipped against a deployed stack): the names it writes
to stack.json, the seeded sample content, and template-only functions wired by the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, eventually, http, local_client

pytestmark = pytest.mark.slow

CONTENT = REPO / "content"


def recorded(local: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(Path(local["records"]).glob("*.json"))]


def test_stack_json_names_what_a_developer_needs(local: dict[str, Any]) -> None:
    assert {"api_url", "aws_endpoint_url", "content_bucket", "table_name"} <= set(local)
    assert local["content_bucket"] == "newsdesk-dev-content-123456789012-eu-north-1"
    s3 = local_client(local, "s3")
    versioning = s3.get_bucket_versioning(Bucket=local["content_bucket"])
    assert versioning["Status"] == "Enabled"
    table = local_client(local, "dynamodb").describe_table(TableName=local["table_name"])["Table"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    ttl = local_client(local, "dynamodb").describe_time_to_live(TableName=local["table_name"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert local["functions"]["RecorderFunction"]["status"] == "ready"


def test_seed_is_served_with_related_teasers(local: dict[str, Any]) -> None:
    expected = json.loads((CONTENT / "expected_related.json").read_text(encoding="utf-8"))
    articles = sorted((CONTENT / "articles").iterdir())
    status, _, body = http(f"{local['api_url']}/articles?limit=50")
    assert status == 200
    assert len(json.loads(body)["items"]) == len(articles)
    for slug, related in expected.items():
        status, _, body = http(f"{local['api_url']}/articles/{slug}")
        assert status == 200
        page = json.loads(body)
        assert sorted(t["slug"] for t in page["related"]) == sorted(related)
        assert page["ebook"] is not None


def test_template_only_function_gets_filtered_s3_events(local: dict[str, Any]) -> None:
    s3 = local_client(local, "s3")
    s3.put_object(Bucket=local["content_bucket"], Key="inbox/ikke denne.md", Body=b"x")
    s3.put_object(Bucket=local["content_bucket"], Key="inbox/Brev fra æblehaven.txt", Body=b"hej")

    def s3_events() -> list[dict[str, Any]] | None:
        found = [e for e in recorded(local) if e["Records"][0].get("eventSource") == "aws:s3"]
        return found or None

    (event,) = eventually(s3_events, "the recorder's S3 event")
    record = event["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "inbox/Brev+fra+%C3%A6blehaven.txt"
    assert record["s3"]["object"]["size"] == 3
    assert record["s3"]["configurationId"] == "Inbox"
    assert record["s3"]["object"]["versionId"]
    # The .md never arrives: wait until the local has seen later work, then check again.
    s3.put_object(Bucket=local["content_bucket"], Key="inbox/senere.txt", Body=b"!")
    eventually(lambda: s3_events() if len(s3_events() or []) == 2 else None, "a later event")
    keys = [e["Records"][0]["s3"]["object"]["key"] for e in s3_events() or []]
    assert "inbox/ikke+denne.md" not in keys


def test_stream_dispatch_honours_the_filter_and_batch_size(local: dict[str, Any]) -> None:
    dynamodb = local_client(local, "dynamodb")
    items = [("LOCALTEST#1", "wanted"), ("LOCALTEST#2", "other"), ("OTHER#3", "wanted")]
    items += [("LOCALTEST#4", "wanted"), ("LOCALTEST#5", "wanted")]
    for pk, kind in items:
        dynamodb.put_item(
            TableName=local["table_name"],
            Item={"PK": {"S": pk}, "SK": {"S": "X"}, "kind": {"S": kind}},
        )

    def stream_records() -> list[dict[str, Any]] | None:
        batches = [e["Records"] for e in recorded(local) if e["Records"][0].get("dynamodb")]
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
    local: dict[str, Any],
) -> None:
    """moto swaps the table object on a cancelled TransactWriteItems; the stream trigger
    read the old table's shard for ever and RelatedFunction was never invoked again."""
    dynamodb = local_client(local, "dynamodb")
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": local["table_name"],
                        "Item": {"PK": {"S": "LOCALTEST#tx"}, "SK": {"S": "X"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                }
            ]
        )
    s3 = local_client(local, "s3")
    for slug, title in (
        ("cykelsti-nord", "Cykelsti mod nord"),
        ("cykelsti-syd", "Cykelsti mod syd"),
    ):
        body = _article(title, "Cykler, Ballerup, Trafiksikkerhed")
        s3.put_object(Bucket=local["content_bucket"], Key=f"articles/{slug}.md", Body=body)

    def related() -> list[str] | None:
        status, _, payload = http(f"{local['api_url']}/articles/cykelsti-nord")
        slugs = [t["slug"] for t in json.loads(payload)["related"]] if status == 200 else []
        return slugs if "cykelsti-syd" in slugs else None

    eventually(related, "cykelsti-syd among cykelsti-nord's related teasers")


def test_the_gateway_answers_cors_from_the_template(local: dict[str, Any]) -> None:
    origin = "http://localhost:5173"  # the CorsAllowedOrigins default
    status, headers, _ = http(
        f"{local['api_url']}/articles",
        {"Origin": origin, "Access-Control-Request-Method": "GET"},
        method="OPTIONS",
    )
    assert status == 204
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-max-age"] == "600"
    status, headers, _ = http(f"{local['api_url']}/articles", {"Origin": origin})
    assert status == 200
    assert headers["access-control-allow-origin"] == origin
    assert headers["vary"] == "Origin"
    assert http(f"{local['api_url']}/articles/", {"Host": "[::1]"})[0] == 404


def test_not_emulated_resources_are_listed(local: dict[str, Any]) -> None:
    assert local["not_emulated"]["AWS::CloudWatch::Alarm"] >= 1
    assert local["not_emulated"]["AWS::CloudFront::Distribution"] == 1
    assert local["not_emulated"]["DeploymentPreference (CodeDeploy canary)"] == 1
    assert "AWS::SecretsManager::Secret" not in local["not_emulated"]
    assert "AWS::Serverless::Function" not in local["not_emulated"]
