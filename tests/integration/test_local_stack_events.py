"""tests/events/ (what `sam local invoke -e` sends) and env.json are valid for the real
handlers: against moto with the table and bucket names env.json gives, the S3 events publish
and unpublish, the stream event syncs related lists, and the API events answer."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from newsdesk import config
from newsdesk.dal import clients, secrets

from infra.local.functions import FakeLambdaContext, FunctionSpec
from infra.local.intrinsics import Resolver
from infra.local.s3events import CREATED, Change, s3_record
from infra.local.stack import StackConfig
from infra.template.reading import (
    TEMPLATE_PATH,
    create_table_request,
    function_environment,
    load_template,
    resources,
)

EVENTS = Path(__file__).resolve().parents[1] / "events"
CONTENT = TEMPLATE_PATH.parent / "content"
REGION = "eu-north-1"
ENV = json.loads((EVENTS / "env.json").read_text(encoding="utf-8"))


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


def context(logical_id: str) -> Any:
    spec = FunctionSpec(logical_id, "", TEMPLATE_PATH.parent, {}, timeout=30, memory=512)
    return FakeLambdaContext(spec, REGION)


def test_env_json_overrides_only_declared_variables_with_the_stacks_names() -> None:
    """`sam local` ignores variables a function does not declare, so each must be declared."""
    for logical_id in resources("AWS::Serverless::Function"):
        declared = set(function_environment(logical_id))
        wanted = set(ENV["Parameters"]) | set(ENV.get(logical_id, {}))
        assert wanted <= declared, (logical_id, wanted - declared)
    defaults = StackConfig()
    resolver = Resolver(region=defaults.region)
    bucket = load_template()["Resources"]["ContentBucket"]["Properties"]["BucketName"]
    assert ENV["Parameters"]["CONTENT_BUCKET"] == resolver.string(bucket)
    assert ENV["Parameters"]["TABLE_NAME"] == f"{defaults.stack_name}-Table"
    assert urlsplit(ENV["Parameters"]["AWS_ENDPOINT_URL"]).port == defaults.aws_port
    assert urlsplit(ENV["ApiFunction"]["PUBLIC_API_URL"]).port == defaults.api_port


@pytest.fixture
def local_names(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[dict[str, str]]:
    """moto holding a table and a bucket named as env.json names them."""
    table, bucket = ENV["Parameters"]["TABLE_NAME"], ENV["Parameters"]["CONTENT_BUCKET"]
    aws["dynamodb"].create_table(**create_table_request(table))
    aws["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    aws["s3"].put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    monkeypatch.setenv("TABLE_NAME", table)
    monkeypatch.setenv("CONTENT_BUCKET", bucket)
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    config.settings.cache_clear()
    clients.reset()
    secrets.reset()
    yield {"table": table, "bucket": bucket, "outbox": str(tmp_path / "outbox")}
    secrets.reset()


def upload(bucket: str, key: str) -> dict[str, Any]:
    """Put a sample file and return the notification S3 would send (via the stack's builder)."""
    body = (CONTENT / key).read_bytes()
    put = boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key, Body=body)
    change = Change(CREATED, key, put["VersionId"], len(body), put["ETag"])
    record = s3_record(
        change, bucket=bucket, region=REGION, sequencer="0001", configuration_id="Seed"
    )
    return {"Records": [record]}


def api(name: str) -> dict[str, Any]:
    from newsdesk.handlers.api import handler

    response: dict[str, Any] = handler(event(name), context("ApiFunction"))
    return response


def test_events_publish_serve_relate_and_unpublish(local_names: dict[str, str]) -> None:
    from newsdesk.handlers.publish import handler as publish
    from newsdesk.handlers.related import handler as related

    bucket = local_names["bucket"]
    for key in ("ebooks/ballerup-shopping.pdf", "ebooks/ballerup-shopping.md"):
        publish(upload(bucket, key), context("PublishFunction"))
    put = event("s3-put.json")
    key = put["Records"][0]["s3"]["object"]["key"]
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=bucket, Key=key, Body=(CONTENT / key).read_bytes()
    )
    (report,) = publish(put, context("PublishFunction"))["reports"]
    assert report["status"] == "published"
    slug = report["slug"]

    assert related(event("dynamodb-update.json"), context("RelatedFunction")) == {
        "batchItemFailures": []
    }

    v2 = api("apigw-http-get-article.json")
    assert v2["statusCode"] == 200
    assert json.loads(v2["body"])["slug"] == slug
    assert v2["headers"]["content-type"].startswith("application/json")
    v1 = api("apigw-rest-get-article.json")
    assert v1["statusCode"] == 200
    assert json.loads(v1["body"])["slug"] == slug
    listing = api("apigw-http-list-articles.json")
    assert [t["slug"] for t in json.loads(listing["body"])["items"]] == [slug]

    requested = api("apigw-http-request-ebook.json")
    assert requested["statusCode"] == 202, requested
    (mail,) = Path(local_names["outbox"]).glob("*.eml")
    assert "laeser@example.dk" in mail.read_text(encoding="utf-8")

    boto3.client("s3", region_name=REGION).delete_object(Bucket=bucket, Key=key)
    (report,) = publish(event("s3-delete.json"), context("PublishFunction"))["reports"]
    assert report["status"] == "unpublished"
    gone = api("apigw-http-get-article.json")
    assert gone["statusCode"] == 404
    body = gone["body"]
    if gone.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    assert json.loads(body)["status"] == 404
