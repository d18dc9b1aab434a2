"""An editor's upload and a reader's requests against a running stack, local or deployed:
only the public contract (S3 key, report, HTTP API) is used, so the same test runs on AWS."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, eventually, http

pytestmark = pytest.mark.slow


def test_upload_is_live_over_http_and_delete_unpublishes(deployment: Deployment) -> None:
    marker = uuid.uuid4().hex[:8]
    key = f"articles/E2E prøve på åen {marker}.md"
    slug = f"e2e-proeve-paa-aaen-{marker}"
    body = (
        "---\ntitle: Lokal prøve\nsubtitle: Fra editor til API\nsummary: Kort.\n"
        "category: Natur\ntags: [Åen]\nauthor: Asta Petersen\n---\nBrødtekst om åen.\n"
    )
    deployment.s3.put_object(Bucket=deployment.bucket, Key=key, Body=body.encode())
    url = f"{deployment.api_url}/articles/{slug}"
    try:

        def live() -> dict[str, Any] | None:
            status, headers, payload = http(url)
            return {"headers": headers, "page": json.loads(payload)} if status == 200 else None

        result = eventually(live, "the uploaded article served over HTTP")
        assert result["page"]["title"] == "Lokal prøve"
        assert result["page"]["author"]["name"] == "Asta Petersen"
        etag = result["headers"]["etag"]
        assert http(url, {"If-None-Match": etag})[0] == 304
        report = deployment.report(key)
        assert report is not None
        assert report["status"] == "published"
        status, _, listing = http(f"{deployment.api_url}/articles?category=Natur&limit=50")
        assert status == 200
        assert slug in [item["slug"] for item in json.loads(listing)["items"]]
    finally:
        deployment.s3.delete_object(Bucket=deployment.bucket, Key=key)
    eventually(lambda: True if http(url)[0] == 404 else None, "the deleted article gone")


def test_unknown_article_is_a_problem_document(deployment: Deployment) -> None:
    status, headers, body = http(f"{deployment.api_url}/articles/findes-ikke-{uuid.uuid4().hex}")
    assert status == 404
    assert headers["content-type"].startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["status"] == 404
    assert problem["title"]


def test_openapi_document_is_served(deployment: Deployment) -> None:
    status, _, body = http(f"{deployment.api_url}/openapi.json")
    assert status == 200
    assert "/articles/{slug}" in json.loads(body)["paths"]


def test_scheduled_upload_goes_live_by_itself(deployment: Deployment) -> None:
    """What an editor tries on the local stack: an article a few seconds ahead, watched appear."""
    marker = uuid.uuid4().hex[:8]
    key = f"articles/Planlagt {marker}.md"
    slug = f"planlagt-{marker}"
    live_at = (datetime.now(UTC) + timedelta(seconds=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = (
        f"---\ntitle: Planlagt prøve\ncategory: Natur\nauthor: Asta Petersen\n"
        f"published_at: {live_at}\n---\nBrødtekst om åen.\n"
    )
    deployment.s3.put_object(Bucket=deployment.bucket, Key=key, Body=body.encode())
    url = f"{deployment.api_url}/articles/{slug}"
    try:
        report = eventually(lambda: deployment.report(key), "the scheduled upload's report")
        assert report["status"] == "scheduled"
        assert report["live_at"] == live_at
        # Without PublicApiUrl a deployed stack's reports carry the path only.
        preview_url = report["preview_url"]
        if preview_url.startswith("/"):
            preview_url = deployment.api_url + preview_url
        status, headers, preview = http(preview_url)
        assert status == 200, preview
        assert headers["cache-control"] == "private, no-store"
        assert json.loads(preview)["slug"] == slug
        assert http(url)[0] == 404
        eventually(
            lambda: True if http(url)[0] == 200 else None, "the article live at its time", 90.0
        )
        assert http(preview_url)[0] == 410
    finally:
        deployment.s3.delete_object(Bucket=deployment.bucket, Key=key)
