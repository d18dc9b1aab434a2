"""The per-client limit's address: CloudFront's viewer address only with our origin secret."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from newsdesk import config
from newsdesk.api.client_ip import client_ip
from newsdesk.dal import secrets
from starlette.requests import Request

from tests.conftest import REGION

ORIGIN_SECRET = "o" * 48


def request(headers: dict[str, str], source_ip: str = "130.176.0.1") -> Request:
    """A request as Mangum hands it to the app: the API Gateway event in the scope."""
    event = {"requestContext": {"http": {"sourceIp": source_ip}}}
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "aws.event": event})


@pytest.fixture
def behind_cdn(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="newsdesk/origin-verify", SecretString=ORIGIN_SECRET
    )["ARN"]
    monkeypatch.setenv("ORIGIN_VERIFY_SECRET", arn)
    config.settings.cache_clear()
    secrets.reset()
    yield
    secrets.reset()


def test_viewer_address_with_our_secret_is_the_client(behind_cdn: None) -> None:
    headers = {"CloudFront-Viewer-Address": "198.51.100.7:46532", "X-Origin-Verify": ORIGIN_SECRET}
    assert client_ip(request(headers)) == "198.51.100.7"
    ipv6 = {**headers, "CloudFront-Viewer-Address": "2001:db8::7:46532"}
    assert client_ip(request(ipv6)) == "2001:db8::7"


def test_forged_or_missing_secret_falls_back_to_the_source(behind_cdn: None) -> None:
    forged = {"CloudFront-Viewer-Address": "198.51.100.7:1", "X-Origin-Verify": "gæt"}
    assert client_ip(request(forged)) == "130.176.0.1"
    assert client_ip(request({"CloudFront-Viewer-Address": "198.51.100.7:1"})) == "130.176.0.1"
    garbage = {"CloudFront-Viewer-Address": "nonsense", "X-Origin-Verify": ORIGIN_SECRET}
    assert client_ip(request(garbage)) == "130.176.0.1"


def test_without_a_cdn_no_viewer_address_is_believed(aws: dict[str, Any]) -> None:
    headers = {"CloudFront-Viewer-Address": "198.51.100.7:1", "X-Origin-Verify": ORIGIN_SECRET}
    assert client_ip(request(headers, source_ip="203.0.113.9")) == "203.0.113.9"
