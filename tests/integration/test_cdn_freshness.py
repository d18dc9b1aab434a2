"""Freshness at the edge: publishing and related updates invalidate exactly the paths that
changed, once per invocation, in the distribution the template names (moto's CloudFront)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext as _Context
from newsdesk import config
from newsdesk.dal import clients
from newsdesk.handlers import publish as publish_handler
from newsdesk.handlers import related as related_handler

from infra.bench.related import Newsroom
from tests.conftest import REGION
from tests.integration.test_publish import Desk, LambdaContext, article_file
from tests.integration.test_related import CLUSTER
from tests.integration.test_scheduling import KEY, SLUG, FakeClock, fire_due, upload_at


@pytest.fixture
def distribution(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    """A distribution in moto, named to the functions as the template does."""
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "newsdesk-test",
            "Comment": "test",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "HttpApi",
                        "DomainName": "abc.execute-api.eu-north-1.amazonaws.com",
                        "CustomOriginConfig": {
                            "HTTPPort": 80,
                            "HTTPSPort": 443,
                            "OriginProtocolPolicy": "https-only",
                        },
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "HttpApi",
                "ViewerProtocolPolicy": "https-only",
                "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            },
        }
    )
    distribution_id: str = created["Distribution"]["Id"]
    monkeypatch.setenv("CDN_DISTRIBUTION_ID", distribution_id)
    config.settings.cache_clear()
    clients.reset()
    return distribution_id


def invalidations(distribution_id: str) -> list[set[str]]:
    """The path sets of every invalidation submitted, in the order moto keeps (submission)."""
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    listed = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
    found = []
    for summary in listed.get("Items", []):
        batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=summary["Id"])
        found.append(set(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]))
    return found


def test_publish_edit_rename_and_unpublish_invalidate_page_and_lists(
    aws: dict[str, Any], distribution: str
) -> None:
    desk = Desk(aws)
    lists = {"/articles", "/articles?*"}
    desk.upload("articles/legeplads.md", article_file())
    assert invalidations(distribution) == [{"/articles/legeplads"} | lists]
    desk.upload("articles/legeplads.md", article_file())  # same content: nothing changed
    assert len(invalidations(distribution)) == 1
    desk.upload("articles/legeplads.md", article_file(slug="legepladsen"))  # a new slug
    assert invalidations(distribution)[-1] == {
        "/articles/legeplads",
        "/articles/legepladsen",
        *lists,
    }
    desk.remove("articles/legeplads.md")
    assert invalidations(distribution)[-1] == {"/articles/legepladsen", *lists}
    desk.upload("articles/brudt.md", b"---\ntitle: [\n---\n")  # rejected: live state unchanged
    assert len(invalidations(distribution)) == 3


def test_rejected_or_ignored_uploads_invalidate_nothing(
    aws: dict[str, Any], distribution: str
) -> None:
    desk = Desk(aws)
    desk.upload("articles/tom.md", b"")
    desk.upload("ebooks/noter.txt", b"x")
    assert invalidations(distribution) == []


def test_related_batch_invalidates_the_pages_whose_teasers_changed_once(
    aws: dict[str, Any], distribution: str
) -> None:
    newsroom = Newsroom(config.settings().table_name)
    for article in CLUSTER[:3]:
        newsroom.publish(article)
    event = {"Records": list(newsroom.pending)}
    newsroom.pending.clear()
    related_handler.handler(event, _context())
    (paths,) = invalidations(distribution)  # one batch, one invalidation
    assert paths == {f"/articles/{a.slug}" for a in CLUSTER[:3]}
    # A replay changes no list: nothing to invalidate.
    related_handler.handler(event, _context())
    assert len(invalidations(distribution)) == 1


def test_a_go_live_invalidates_the_page_whose_404_the_cdn_keeps(
    aws: dict[str, Any], distribution: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until its go-live a scheduled article's page is a 404 the CDN keeps for seconds
    (`MISSING_PAGE_CACHE`): the go-live itself must clear it, not the TTL."""
    clock = FakeClock()
    monkeypatch.setattr(publish_handler, "clock", clock)
    desk = Desk(aws)
    assert upload_at(desk, KEY, clock.now + timedelta(hours=1))["status"] == "scheduled"
    before = len(invalidations(distribution))
    clock.advance(timedelta(hours=1))
    [report] = fire_due(desk, clock.now)
    assert report["status"] == "published"
    assert len(invalidations(distribution)) == before + 1
    assert invalidations(distribution)[-1] == {f"/articles/{SLUG}", "/articles", "/articles?*"}


def test_without_a_distribution_nothing_is_called(aws: dict[str, Any]) -> None:
    calls: list[str] = []
    clients.cloudfront().meta.events.register(
        "before-call.cloudfront.*", lambda **_: calls.append("call")
    )
    Desk(aws).upload("articles/legeplads.md", article_file())
    assert calls == []


def test_a_failed_invalidation_does_not_fail_the_publish(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CDN_DISTRIBUTION_ID", "EUNKNOWN")  # CloudFront answers NoSuchDistribution
    config.settings.cache_clear()
    report = Desk(aws).upload("articles/legeplads.md", article_file())
    assert report["status"] == "published"


def _context() -> _Context:
    return LambdaContext(function_name="RelatedFunction")  # type: ignore[return-value]
