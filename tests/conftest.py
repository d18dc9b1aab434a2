"""Shared fixtures: moto-backed AWS built from template.yaml, and the API app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, settings
from moto import mock_aws
from newsdesk import config
from newsdesk.dal import clients, secrets

from infra.template.reading import create_table_request, ttl_attribute

# No per-example deadline (moto and a loaded 2-core CI machine make timings noise); in CI the
# examples are derandomised, so a red run is reproducible and a green one stays green.
settings.register_profile("newsdesk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("newsdesk"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "newsdesk")

REGION = "eu-north-1"
TABLE_NAME = "newsdesk-test"
BUCKET_NAME = "newsdesk-test-content"
SCHEDULE_GROUP = "newsdesk-test-go-live"
SCHEDULER_ROLE_ARN = "arn:aws:iam::123456789012:role/newsdesk-test-GoLiveSchedulerRole"
GO_LIVE_DEAD_LETTER_ARN = "arn:aws:sqs:eu-north-1:123456789012:newsdesk-test-publish-dlq"
PREVIEW_SECRET_NAME = "newsdesk-test/preview-token"  # pragma: allowlist secret


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, a fixed region and our resource names; never real AWS."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("CONTENT_BUCKET", BUCKET_NAME)
    # The function-specific variables the template declares (config has no silent defaults).
    monkeypatch.setenv("WORDS_PER_MINUTE", "200")
    monkeypatch.setenv("SES_SENDER", "nyhedsbrev@example.com")
    monkeypatch.setenv("EBOOK_TOKEN_SECRET", "newsdesk-test/ebook-token-key")
    monkeypatch.setenv("PUBLIC_API_URL", "http://127.0.0.1:3000")
    monkeypatch.setenv("API_BASE_PATH", "/")
    monkeypatch.setenv("SCHEDULE_GROUP", SCHEDULE_GROUP)
    monkeypatch.setenv("SCHEDULER_ROLE_ARN", SCHEDULER_ROLE_ARN)
    monkeypatch.setenv("GO_LIVE_DEAD_LETTER_ARN", GO_LIVE_DEAD_LETTER_ARN)
    monkeypatch.setenv("PREVIEW_TOKEN_SECRET", PREVIEW_SECRET_NAME)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "NewsdeskTest")
    config.settings.cache_clear()
    clients.reset()
    yield
    config.settings.cache_clear()
    clients.reset()


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """moto with the template's table (keys, GSIs, stream, TTL), a versioned bucket, the
    go-live schedule group and the preview-link secret."""
    with moto_world() as world:
        yield world


@contextmanager
def moto_world() -> Iterator[dict[str, Any]]:
    """The `aws` fixture's world as a context manager: a fresh one per hypothesis example."""
    with mock_aws():
        clients.reset()
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(**create_table_request(TABLE_NAME))
        ttl = ttl_attribute()
        if ttl:
            dynamodb.update_time_to_live(
                TableName=TABLE_NAME,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl},
            )
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(
            Bucket=BUCKET_NAME, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        s3.put_bucket_versioning(Bucket=BUCKET_NAME, VersioningConfiguration={"Status": "Enabled"})
        # The stack generates the e-book link key (EbookTokenSecret); tests get one too.
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=config.settings().ebook_token_secret, SecretString="g" * 64
        )
        boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=SCHEDULE_GROUP)
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=PREVIEW_SECRET_NAME, SecretString="p" * 64
        )
        secrets.reset()
        yield {"dynamodb": dynamodb, "s3": s3, "table": TABLE_NAME, "bucket": BUCKET_NAME}
    clients.reset()
    secrets.reset()
