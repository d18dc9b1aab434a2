"""Menus, author pages and search against a running stack, local or deployed: an upload's
labels reach `/tags` and its words reach `/search` through the stream functions."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from tests.e2e.conftest import Deployment, eventually, http

pytestmark = pytest.mark.slow


def test_an_upload_reaches_menus_author_pages_and_search(deployment: Deployment) -> None:
    marker = uuid.uuid4().hex[:8]
    key = f"articles/navigation {marker}.md"
    slug = f"navigation-{marker}"
    tag, author = f"Grønne områder {marker}", f"Søren Ærø{marker}"
    body = (
        f"---\ntitle: Zeppelinerne{marker} lander i parken\ncategory: Natur\n"
        f"tags: [{tag}]\nauthor: {author}\n---\nBrødtekst om parken.\n"
    )
    deployment.s3.put_object(Bucket=deployment.bucket, Key=key, Body=body.encode())
    api = deployment.api_url
    try:

        def tagged() -> list[Any] | None:
            status, _, payload = http(f"{api}/tags")
            items = json.loads(payload)["items"] if status == 200 else []
            found = [i for i in items if i["slug"] == f"groenne-omraader-{marker}"]
            return found or None

        assert eventually(tagged, "the new tag in /tags") == [
            {"name": tag, "slug": f"groenne-omraader-{marker}", "articles": 1}
        ]
        status, _, payload = http(f"{api}/articles?tag=groenne-omraader-{marker}")
        assert status == 200 and [t["slug"] for t in json.loads(payload)["items"]] == [slug]
        author_slug = f"soeren-aeroe{marker}"
        status, _, payload = http(f"{api}/authors/{author_slug}")
        assert status == 200 and json.loads(payload)["articles"] == 1
        status, _, payload = http(f"{api}/articles?author={author_slug}")
        assert [t["slug"] for t in json.loads(payload)["items"]] == [slug]

        def searched() -> list[str] | None:
            status, _, payload = http(f"{api}/search?q={quote('zeppelinerne' + marker)}")
            slugs = [t["slug"] for t in json.loads(payload)["items"]] if status == 200 else []
            return slugs or None

        assert eventually(searched, "the new article found by search") == [slug]
    finally:
        deployment.s3.delete_object(Bucket=deployment.bucket, Key=key)
    gone = f"{api}/authors/soeren-aeroe{marker}"
    eventually(lambda: True if http(gone)[0] == 404 else None, "the author page gone")
