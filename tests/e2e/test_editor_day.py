"""The editors' guide's "Ret, omdøb, afpublicér og fortryd" and e-book withdrawal, followed
as an editor and a reader would: S3 uploads, reports and the HTTP API only (the mailed link
is read from the local stack's outbox)."""

from __future__ import annotations

import email
import json
import re
import time
import uuid
from email import policy
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO, Deployment, eventually, http

pytestmark = pytest.mark.slow


def _article(title: str, *, extra: str = "") -> bytes:
    return (
        f'---\ntitle: "{title}"\nsummary: "Kort om vinterbadning."\ncategory: Sundhed\n'
        f"tags: [Vinterbadning]\nauthor: Mette Rasmussen\n{extra}---\n"
        "Vinterbadning ved Harrestrup Å samler hver morgen et stort fællesskab af badere.\n"
    ).encode()


def _status(deployment: Deployment, key: str) -> str | None:
    report = deployment.report(key)
    return None if report is None else str(report["status"])


def _upload(deployment: Deployment, key: str, body: bytes) -> dict[str, Any]:
    """Upload and wait for the report of this very upload."""
    before = deployment.report(key)
    deployment.s3.put_object(Bucket=deployment.bucket, Key=key, Body=body)
    return eventually(
        lambda: r if (r := deployment.report(key)) and r != before else None,
        f"the report of {key}",
    )


def _delete(deployment: Deployment, key: str) -> dict[str, Any]:
    before = deployment.report(key)
    deployment.s3.delete_object(Bucket=deployment.bucket, Key=key)
    return eventually(
        lambda: r if (r := deployment.report(key)) and r != before else None,
        f"the report of deleting {key}",
    )


def _remove(deployment: Deployment, keys: list[str], paths: list[str]) -> None:
    """Delete the test's files and wait until their API paths answer 404: the stack is shared
    with the tests that count the seeded articles and e-books."""
    for key in keys:
        deployment.s3.delete_object(Bucket=deployment.bucket, Key=key)
    for path in paths:
        eventually(
            lambda path=path: True if http(deployment.api_url + path)[0] == 404 else None,
            f"{path} gone after the test",
        )


def _get(deployment: Deployment, path: str) -> tuple[int, Any]:
    status, _, body = http(deployment.api_url + path)
    return status, json.loads(body) if body else None


def _search(deployment: Deployment, query: str) -> dict[str, str]:
    """slug → title of the hits."""
    status, found = _get(deployment, f"/search?q={query}&limit=50")
    assert status == 200, found
    return {item["slug"]: item["title"] for item in found["items"]}


def _related(deployment: Deployment, slug: str) -> list[dict[str, Any]]:
    status, page = _get(deployment, f"/articles/{slug}")
    assert status == 200, page
    related: list[dict[str, Any]] = page["related"]
    return related


def test_fix_rename_and_unpublish_as_the_guide_says(deployment: Deployment) -> None:
    marker = uuid.uuid4().hex[:8]
    slug = f"vinterbadning-{marker}"
    old_key, new_key = f"articles/{slug}.md", f"articles/Vinterbadning {marker} 2026.md"
    pinning_key = f"articles/badeliv-{marker}.md"
    keys = [old_key, new_key, pinning_key]
    try:
        assert _upload(deployment, old_key, _article("Vinterbadning ved åen"))["status"] == (
            "published"
        )
        pinning = _upload(
            deployment, pinning_key, _article("Badeliv i Ballerup", extra=f"related: [{slug}]\n")
        )
        assert pinning["status"] == "published", pinning

        # A typo fixed: page and list at once, search and the other page's teaser within seconds.
        fixed = "Vinterbadning ved Harrestrup Å"
        assert _upload(deployment, old_key, _article(fixed))["status"] == "published"
        assert _get(deployment, f"/articles/{slug}")[1]["title"] == fixed
        listed = _get(deployment, "/articles?category=sundhed&limit=50")[1]["items"]
        assert [i["title"] for i in listed if i["slug"] == slug] == [fixed]
        eventually(
            lambda: True if fixed in _search(deployment, "harrestrup").values() else None,
            "search finding the corrected title",
        )
        eventually(
            lambda: (
                True
                if [r["title"] for r in _related(deployment, f"badeliv-{marker}")][:1] == [fixed]
                else None
            ),
            "the pinned teaser showing the corrected title",
        )

        # Renamed: the new file waits for the slug, deleting the old one hands it over.
        renamed = _upload(deployment, new_key, _article(fixed, extra=f"slug: {slug}\n"))
        assert renamed["status"] == "rejected"
        assert [e["field"] for e in renamed["errors"]] == ["slug"]
        assert old_key in renamed["errors"][0]["message"]
        assert http(f"{deployment.api_url}/articles/{slug}")[0] == 200
        deployment.s3.delete_object(Bucket=deployment.bucket, Key=old_key)
        missing: list[float] = []

        def handed_over() -> dict[str, Any] | None:
            if http(f"{deployment.api_url}/articles/{slug}")[0] != 200:
                missing.append(time.monotonic())
            report = deployment.report(new_key)
            return report if report and report["status"] == "published" else None

        report = eventually(handed_over, "the renamed file published automatically")
        assert report["slug"] == slug
        assert report["message"].startswith("Udgivet automatisk")
        # The old file's unpublishing and the new one's publishing are two writes: the guide
        # says the address may answer "ikke fundet" for a moment in between.
        assert not missing or missing[-1] - missing[0] < 2.0, missing
        assert http(f"{deployment.api_url}/articles/{slug}")[0] == 200
        assert _status(deployment, old_key) == "unpublished"
        assert _related(deployment, f"badeliv-{marker}")[0]["slug"] == slug

        # Unpublished: gone from page, lists and search once reported; teasers within seconds.
        assert _delete(deployment, new_key)["status"] == "unpublished"
        status, problem = _get(deployment, f"/articles/{slug}")
        assert status == 404
        assert problem["status"] == 404
        listed = _get(deployment, "/articles?category=sundhed&limit=50")[1]["items"]
        assert slug not in [i["slug"] for i in listed]
        assert slug not in _search(deployment, "harrestrup")
        eventually(
            lambda: (
                True
                if slug not in [r["slug"] for r in _related(deployment, f"badeliv-{marker}")]
                else None
            ),
            "the unpublished article gone from the other page's teasers",
        )
    finally:
        _remove(deployment, keys, [f"/articles/{slug}", f"/articles/badeliv-{marker}"])


def _mailed_link(outbox: Path, recipient: str, deadline: float = 30.0) -> str:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for path in sorted(outbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] != recipient:
                continue
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            link = re.search(r"https?://\S+/download\?token=[\w.-]+", body.get_content())
            assert link is not None, body.get_content()
            return link.group()
        time.sleep(0.2)
    pytest.fail(f"no mail to {recipient}")


def test_a_withdrawn_ebook_answers_its_mailed_link_and_comes_back(
    deployment: Deployment, local: dict[str, Any]
) -> None:
    marker = uuid.uuid4().hex[:8]
    ebook, recipient = f"vinterguide-{marker}", f"laeser-{marker}@example.dk"
    pdf_key, md_key = f"ebooks/{ebook}.pdf", f"ebooks/{ebook}.md"
    article_key = f"articles/med-e-bog-{marker}.md"
    pdf = (REPO / "content" / "ebooks" / "ballerup-shopping.pdf").read_bytes()
    description = b'---\ntitle: "Vinterguide"\ndescription: "Kom godt i vandet."\n---\n'
    try:
        assert _upload(deployment, pdf_key, pdf)["status"] == "pending"
        assert _upload(deployment, md_key, description)["status"] == "published"
        attached = _upload(
            deployment, article_key, _article("Med e-bog", extra=f"ebook: {ebook}\n")
        )
        assert attached["status"] == "published", attached
        page = f"/articles/med-e-bog-{marker}"
        assert _get(deployment, page)[1]["ebook"]["id"] == ebook

        status, _, _ = http(
            f"{deployment.api_url}/ebooks/{ebook}/requests",
            {"Content-Type": "application/json"},
            "POST",
            json.dumps({"email": recipient}).encode(),
        )
        assert status == 202
        link = _mailed_link(Path(local["outbox_dir"]), recipient)
        assert http(link, method="HEAD")[0] == 200

        withdrawn = _delete(deployment, pdf_key)
        assert withdrawn["status"] == "unpublished"
        assert _status(deployment, md_key) == "pending"
        eventually(
            lambda: True if _get(deployment, page)[1]["ebook"] is None else None,
            "the e-book box gone from the article",
        )
        status, _, body = http(link, {"Accept": "text/html"})
        assert status == 404
        assert "E-bogen findes ikke" in body.decode()

        assert _upload(deployment, pdf_key, pdf)["status"] == "published"
        eventually(
            lambda: True if (_get(deployment, page)[1]["ebook"] or {}).get("id") == ebook else None,
            "the e-book box back on the article",
        )
        assert http(link, method="HEAD")[0] == 200
    finally:
        gone = [f"/articles/med-e-bog-{marker}", f"/ebooks/{ebook}"]
        _remove(deployment, [article_key, md_key, pdf_key], gone)
