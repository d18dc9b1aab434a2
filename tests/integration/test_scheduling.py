"""Scheduled publishing and preview links through the template's handlers, on moto.

Uploads are real objects with S3's events; the publish function sets real (moto) EventBridge
Scheduler schedules, which `infra.local.scheduler.due` fires on an injected clock, exactly as
the local stack does on the real one; related lists are kept by the related handler fed the
table's own stream records. No sleeps: time is the injected clock of the publish handler and
of the API.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import boto3
import pytest
from fastapi.testclient import TestClient
from newsdesk.api import articles as api_articles
from newsdesk.api.routes import previews as preview_routes
from newsdesk.dal import keys, scheduling
from newsdesk.logic.publishing.previews import PREVIEW_LIFETIME

from infra.local import patterns
from infra.local.scheduler import at_time, complete, due
from infra.local.streams import lambda_record
from infra.template.reading import handler_path, load_template, resources
from tests.conftest import REGION, SCHEDULE_GROUP
from tests.integration.test_publish import Desk, LambdaContext, article_file

KEY = "articles/Sommerfest i Hedegården.md"
SLUG = "sommerfest-i-hedegaarden"
DELETED = "Filen er slettet: intet fra den er online, og intet fra den bliver udgivet."
NEIGHBOUR_KEY = "articles/Nyt faelleshus.md"
NEIGHBOUR = "nyt-faelleshus"
BODY = (
    "Beboerne i Hedegården holder sommerfest med fællesspisning, musik og loppemarked.\n\n"
    "Festudvalget i boligforeningen søger frivillige naboer til fællesspisningen.\n"
)
NEIGHBOUR_BODY = (
    "Boligforeningen bygger et nyt fælleshus til fællesspisning og beboernes fester.\n\n"
    "Naboerne i Hedegården har ønsket sig et fælleshus til fællesskabet i mange år.\n"
)
COMMON = {"category": "Bolig", "tags": ["Fællesskab", "Hedegården"], "ebook": None}


class FakeClock:
    """A clock the test moves by hand (starts at the real time: S3 dates uploads with it)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Stream:
    """The table's stream, delivered to the related handler through the template's filter."""

    def __init__(self, aws: dict[str, Any]) -> None:
        self.streams = boto3.client("dynamodbstreams", region_name=REGION)
        self.arn = aws["dynamodb"].describe_table(TableName=aws["table"])["Table"][
            "LatestStreamArn"
        ]
        self.iterators: dict[str, str] = {}
        related = next(
            resource["Properties"]
            for resource in resources("AWS::Serverless::Function", load_template()).values()
            if resource["Properties"]["Handler"] == handler_path("RelatedFunction")
        )
        trigger = next(
            e["Properties"] for e in related["Events"].values() if e["Type"] == "DynamoDB"
        )
        self.filters = [patterns.parse(f["Pattern"]) for f in trigger["FilterCriteria"]["Filters"]]
        module, _, name = handler_path("RelatedFunction").rpartition(".")
        self.handler = getattr(importlib.import_module(module), name)

    def pump(self) -> int:
        """Deliver every new record that passes the filter; how many."""
        shards = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        records = []
        for shard in shards:
            iterator = (
                self.iterators.get(shard["ShardId"])
                or self.streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            response = self.streams.get_records(ShardIterator=iterator)
            self.iterators[shard["ShardId"]] = response["NextShardIterator"]
            records += [lambda_record(r, self.arn, REGION) for r in response["Records"]]
        wanted = [r for r in records if patterns.matches_any(self.filters, r)]
        if wanted:
            result = self.handler({"Records": wanted}, LambdaContext(function_name="Related"))
            assert result == {"batchItemFailures": []}
        return len(wanted)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def desk(aws: dict[str, Any], clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Desk:
    module = importlib.import_module(handler_path("PublishFunction").rpartition(".")[0])
    monkeypatch.setattr(module, "clock", clock)
    return Desk(aws)


@pytest.fixture
def stream(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Stream:
    # botocore >= 1.40 would put the account into the endpoint, which moto's streams lack.
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    return Stream(aws)


@pytest.fixture
def client(
    aws: dict[str, Any], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    from newsdesk.api.app import create_app

    monkeypatch.setattr(api_articles, "clock", clock)
    app = create_app()
    app.dependency_overrides[preview_routes.get_clock] = lambda: clock
    with TestClient(app) as test_client:
        yield test_client


def scheduler() -> Any:
    return boto3.client("scheduler", region_name=REGION)


def schedules() -> list[dict[str, Any]]:
    """Every schedule of the go-live group, in full."""
    client = scheduler()
    names = [s["Name"] for s in client.list_schedules(GroupName=SCHEDULE_GROUP)["Schedules"]]
    return [client.get_schedule(GroupName=SCHEDULE_GROUP, Name=name) for name in names]


def fire_due(desk: Desk, now: datetime) -> list[dict[str, Any]]:
    """What EventBridge Scheduler does at `now`: invoke each due target, then delete it."""
    reports = []
    for firing in due(scheduler(), [SCHEDULE_GROUP], now):
        assert firing.target_arn == LambdaContext().invoked_function_arn
        reports += desk.handler(firing.payload, LambdaContext())["reports"]
        complete(scheduler(), firing)
    return reports


def upload_at(desk: Desk, key: str, when: datetime, **changes: Any) -> dict[str, Any]:
    fields = {**COMMON, "published_at": when, **changes}
    body = fields.pop("body", BODY)
    return desk.upload(key, article_file(body=body, **fields))


def slugs(client: TestClient, **params: str) -> list[str]:
    response = client.get("/articles", params={"limit": "50", **params})
    assert response.status_code == 200
    return [teaser["slug"] for teaser in response.json()["items"]]


def related(client: TestClient, slug: str) -> list[str]:
    response = client.get(f"/articles/{slug}")
    assert response.status_code == 200
    return [teaser["slug"] for teaser in response.json()["related"]]


def hidden_everywhere(desk: Desk, client: TestClient, slug: str) -> None:
    assert client.get(f"/articles/{slug}").status_code == 404
    for params in ({}, {"category": "Bolig"}, {"tag": "Fællesskab"}, {"tag": "Hedegården"}):
        assert slug not in slugs(client, **params)
    partition = desk.partition(slug)
    assert not {sk for sk in partition if sk.startswith(("A#", "TAG#"))}
    assert not [pk for pk, sk in desk.items() if pk.startswith("EBOOK#") and sk.endswith(slug)]


def preview_path(report: dict[str, Any]) -> str:
    url = urlsplit(report["preview_url"])
    assert f"{url.scheme}://{url.netloc}" == "http://127.0.0.1:3000"  # PUBLIC_API_URL
    return url.path


# Scheduled publishing


def test_future_article_is_scheduled_and_hidden_everywhere(
    desk: Desk, client: TestClient, stream: Stream, clock: FakeClock
) -> None:
    upload_at(desk, NEIGHBOUR_KEY, clock.now - timedelta(hours=1), body=NEIGHBOUR_BODY)
    stream.pump()
    live_at = clock.now + timedelta(hours=2)
    report = upload_at(desk, KEY, live_at, ebook="guide")
    stream.pump()

    assert report["status"] == "scheduled"
    assert report["slug"] is None
    assert report["errors"] == []
    # A misspelt e-book id is worth knowing before the go-live, not after it.
    assert [w["field"] for w in report["warnings"]] == ["ebook"]
    assert report["message"] == "Artiklen er planlagt: den går selv online ved live_at (UTC)."
    assert report["live_at"] == live_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert preview_path(report).startswith("/preview/")
    hidden_everywhere(desk, client, SLUG)
    assert SLUG not in related(client, NEIGHBOUR)
    (schedule,) = schedules()
    assert at_time(schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"]) == (
        live_at
    )
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["RoleArn"].endswith("GoLiveSchedulerRole")
    assert json.loads(schedule["Target"]["Input"])["go_live"]["key"] == KEY
    # Nothing fires early.
    clock.advance(timedelta(hours=2) - timedelta(seconds=1))
    assert fire_due(desk, clock.now) == []
    hidden_everywhere(desk, client, SLUG)


def test_goes_live_at_its_time_with_related_lists_both_ways(
    desk: Desk, client: TestClient, stream: Stream, clock: FakeClock
) -> None:
    upload_at(desk, NEIGHBOUR_KEY, clock.now - timedelta(hours=1), body=NEIGHBOUR_BODY)
    stream.pump()
    live_at = clock.now + timedelta(minutes=2)
    upload_at(desk, KEY, live_at)
    stream.pump()
    assert related(client, NEIGHBOUR) == []

    clock.advance(timedelta(minutes=2))
    (report,) = fire_due(desk, clock.now)
    stream.pump()

    assert report["status"] == "published"
    assert report["slug"] == SLUG
    assert "preview_url" not in report and "live_at" not in report
    assert desk.report(KEY) == report
    page = client.get(f"/articles/{SLUG}").json()
    assert page["published_at"].startswith(live_at.strftime("%Y-%m-%dT%H:%M"))
    assert slugs(client)[:2] == [SLUG, NEIGHBOUR]
    assert SLUG in slugs(client, tag="Hedegården")
    assert related(client, SLUG) == [NEIGHBOUR]
    assert related(client, NEIGHBOUR) == [SLUG]
    assert schedules() == []
    assert not [pk for pk, _ in desk.items() if pk == scheduling.GO_LIVE_PK]
    assert (keys.article_pk(SLUG), scheduling.CLAIM_SK) not in desk.items()


def test_rescheduling_moves_the_one_schedule(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    upload_at(desk, KEY, clock.now + timedelta(hours=5))
    (first,) = schedules()
    report = upload_at(desk, KEY, clock.now + timedelta(hours=1), title="Sommerfest rykket frem")
    assert report["live_at"] == (clock.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    (moved,) = schedules()
    assert moved["Name"] == first["Name"]
    assert moved["ScheduleExpression"] != first["ScheduleExpression"]
    assert len([pk for pk, _ in desk.items() if pk == scheduling.GO_LIVE_PK]) == 1

    # The first schedule's payload, delivered anyway (a late, superseded firing): nothing.
    stale = json.loads(first["Target"]["Input"])
    assert desk.handler(stale, LambdaContext()) == {"reports": []}
    hidden_everywhere(desk, client, SLUG)

    clock.advance(timedelta(hours=1))
    (live,) = fire_due(desk, clock.now)
    assert live["status"] == "published"
    assert client.get(f"/articles/{SLUG}").json()["title"] == "Sommerfest rykket frem"
    clock.advance(timedelta(hours=4))
    assert fire_due(desk, clock.now) == []


def test_a_live_article_moved_to_the_future_leaves_until_then(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    assert upload_at(desk, KEY, clock.now - timedelta(days=1))["status"] == "published"
    assert client.get(f"/articles/{SLUG}").status_code == 200
    report = upload_at(desk, KEY, clock.now + timedelta(hours=1), related=["findes-ikke"])
    assert report["status"] == "scheduled"
    assert "taget offline indtil da" in report["message"]  # the editor sees it left the site
    assert [w["field"] for w in report["warnings"]] == ["related[0]"]
    hidden_everywhere(desk, client, SLUG)
    clock.advance(timedelta(hours=1))
    fire_due(desk, clock.now)
    assert client.get(f"/articles/{SLUG}").status_code == 200


@pytest.mark.parametrize("cancel", ["delete", "draft"])
def test_deleting_or_drafting_cancels_the_schedule(
    desk: Desk, client: TestClient, clock: FakeClock, cancel: str
) -> None:
    upload_at(desk, KEY, clock.now + timedelta(hours=1))
    (schedule,) = schedules()
    if cancel == "delete":
        report = desk.remove(KEY)
        assert "preview_url" not in report
        # The report says the plan is off too, not only that nothing is online.
        assert report["message"] == DELETED
    else:
        report = upload_at(desk, KEY, clock.now + timedelta(hours=1), status="draft")
        assert client.get(preview_path(report)).status_code == 200
    assert report["status"] == "unpublished"
    assert schedules() == []
    assert (keys.article_pk(SLUG), scheduling.CLAIM_SK) not in desk.items()
    clock.advance(timedelta(hours=2))
    payload = json.loads(schedule["Target"]["Input"])
    assert desk.handler(payload, LambdaContext()) == {"reports": []}
    hidden_everywhere(desk, client, SLUG)


def test_a_deletion_says_the_same_whatever_was_online(desk: Desk, clock: FakeClock) -> None:
    """One message, so a delete handled before its upload's late event reads as one after it
    (the ordering tests compare reports byte for byte)."""
    assert upload_at(desk, KEY, clock.now - timedelta(days=1))["status"] == "published"
    assert desk.remove(KEY)["message"] == DELETED
    assert upload_at(desk, KEY, clock.now, category="")["status"] == "rejected"
    assert desk.remove(KEY)["message"] == DELETED


def test_scheduled_article_holds_its_slug(desk: Desk, clock: FakeClock) -> None:
    upload_at(desk, KEY, clock.now + timedelta(hours=1))
    other = upload_at(desk, "articles/andet.md", clock.now, slug=SLUG)
    assert other["status"] == "rejected"
    assert other["errors"][0]["field"] == "slug"
    assert KEY in other["errors"][0]["message"]


@pytest.mark.parametrize("cancel", ["delete", "draft", "other slug"])
def test_a_cancelled_schedule_hands_its_slug_to_the_rejected_claimant(
    desk: Desk, client: TestClient, clock: FakeClock, cancel: str
) -> None:
    upload_at(desk, KEY, clock.now + timedelta(hours=1))
    claimant = "articles/andet.md"
    assert upload_at(desk, claimant, clock.now, slug=SLUG, title="Andet")["status"] == "rejected"
    if cancel == "delete":
        desk.send(desk.delete(KEY))
    elif cancel == "draft":
        upload_at(desk, KEY, clock.now + timedelta(hours=1), status="draft")
    else:
        upload_at(desk, KEY, clock.now + timedelta(hours=1), slug="flyttet")
    report = desk.report(claimant)
    assert (report["status"], report["slug"], report["errors"]) == ("published", SLUG, [])
    assert KEY in report["message"] and "Udgivet automatisk" in report["message"]
    assert client.get(f"/articles/{SLUG}").json()["title"] == "Andet"
    assert (keys.article_pk(SLUG), scheduling.CLAIM_SK) not in desk.items()


def test_a_rescheduled_article_keeps_its_slug_from_the_claimant(
    desk: Desk, clock: FakeClock
) -> None:
    upload_at(desk, KEY, clock.now + timedelta(hours=1))
    claimant = "articles/andet.md"
    upload_at(desk, claimant, clock.now, slug=SLUG)
    assert upload_at(desk, KEY, clock.now + timedelta(hours=5))["status"] == "scheduled"
    assert desk.report(claimant)["status"] == "rejected"
    clock.advance(timedelta(hours=5))
    (live,) = fire_due(desk, clock.now)
    assert (live["key"], live["status"]) == (KEY, "published")
    assert desk.report(claimant)["status"] == "rejected"


def test_out_of_order_events_around_a_schedule(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    """Scheduled, then published now, then scheduled again: delivered in every order, twice."""
    versions = [
        desk.put(KEY, article_file(**COMMON, published_at=clock.now + timedelta(hours=3))),
        desk.put(KEY, article_file(**COMMON, published_at=clock.now - timedelta(hours=3))),
        desk.put(
            KEY,
            article_file(**COMMON, title="Endelig", published_at=clock.now + timedelta(hours=1)),
        ),
    ]
    desk.send(versions[2], versions[0], versions[1], versions[2], versions[0])
    assert desk.report(KEY)["status"] == "scheduled"
    hidden_everywhere(desk, client, SLUG)
    (schedule,) = schedules()
    assert at_time(schedule["ScheduleExpression"], "UTC") == clock.now + timedelta(hours=1)

    clock.advance(timedelta(hours=1))
    (live,) = fire_due(desk, clock.now)
    assert live["status"] == "published"
    # Late duplicates and stale events after the go-live change nothing.
    desk.send(versions[2], versions[1], versions[0])
    assert desk.report(KEY) == live
    assert client.get(f"/articles/{SLUG}").json()["title"] == "Endelig"
    assert schedules() == []


def test_a_newer_rejected_upload_keeps_the_schedule(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    scheduled = upload_at(desk, KEY, clock.now + timedelta(hours=1))
    rejected = desk.upload(KEY, article_file(title="", tags=5))
    assert rejected["status"] == "rejected"
    # The editor learns that the planned version still goes online, and when (nothing was
    # online before, so "the version online before is unchanged" would be wrong).
    assert (rejected["slug"], rejected["live_at"]) == (None, scheduled["live_at"])
    assert "planlagte version" in rejected["message"] and "live_at" in rejected["message"]
    assert len(schedules()) == 1
    clock.advance(timedelta(hours=1))
    (report,) = fire_due(desk, clock.now)
    assert report["status"] == "rejected"  # the newest upload's report, now naming the slug
    assert report["slug"] == SLUG
    assert "live_at" not in report and "planlagte" not in report["message"]
    assert report["errors"] == rejected["errors"]
    assert client.get(f"/articles/{SLUG}").status_code == 200


def test_lists_are_never_cached_past_a_go_live(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    default = "public, max-age=60, s-maxage=300, stale-while-revalidate=600"
    assert client.get("/articles").headers["cache-control"] == default
    upload_at(desk, KEY, clock.now + timedelta(minutes=2))
    assert client.get("/articles").headers["cache-control"] == "public, max-age=60, s-maxage=120"
    assert client.get("/articles?tag=Hedegården").headers["cache-control"] == (
        "public, max-age=60, s-maxage=120"
    )
    clock.advance(timedelta(minutes=2, seconds=30))  # due, not yet carried out
    assert client.get("/articles").headers["cache-control"] == "public, max-age=0, s-maxage=0"
    fire_due(desk, clock.now)
    assert client.get("/articles").headers["cache-control"] == default


# Preview links


def test_preview_of_a_draft_is_the_page_it_will_be(
    desk: Desk, client: TestClient, stream: Stream, clock: FakeClock
) -> None:
    upload_at(desk, NEIGHBOUR_KEY, clock.now - timedelta(hours=1), body=NEIGHBOUR_BODY)
    stream.pump()
    report = upload_at(desk, KEY, clock.now - timedelta(minutes=5), status="draft")
    assert report["status"] == "unpublished"
    response = client.get(preview_path(report))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-robots-tag"] == "noindex"
    preview = response.json()
    assert preview["slug"] == SLUG
    assert "<p>Beboerne i Hedegården holder sommerfest" in preview["body_html"]
    assert [teaser["slug"] for teaser in preview["related"]] == [NEIGHBOUR]
    hidden_everywhere(desk, client, SLUG)

    # Published as it is: the page has exactly the previewed shape and content.
    published = upload_at(desk, KEY, clock.now - timedelta(minutes=5))
    assert "preview_url" not in published
    stream.pump()
    page = client.get(f"/articles/{SLUG}").json()
    assert set(page) == set(preview)
    assert {k: v for k, v in page.items() if k != "updated_at"} == {
        k: v for k, v in preview.items() if k != "updated_at"
    }


def test_preview_of_a_scheduled_article_and_after_it_went_live(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    report = upload_at(desk, KEY, clock.now + timedelta(hours=1))
    assert client.get(preview_path(report)).json()["slug"] == SLUG
    clock.advance(timedelta(hours=1))
    fire_due(desk, clock.now)
    gone = client.get(preview_path(report))
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["type"].endswith("/preview-published")
    assert f"/articles/{SLUG}" in gone.json()["detail"]


def test_superseded_preview_shows_the_newest_version_or_says_it_is_gone(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    first = upload_at(desk, KEY, clock.now, status="draft", title="Første udkast")
    second = upload_at(desk, KEY, clock.now + timedelta(days=1), title="Andet udkast")
    assert first["preview_url"] != second["preview_url"]
    for report in (first, second):
        assert client.get(preview_path(report)).json()["title"] == "Andet udkast"
    desk.remove(KEY)
    gone = client.get(preview_path(first))
    assert gone.status_code == 410
    assert gone.json()["type"].endswith("/preview-withdrawn")


def test_preview_links_expire_after_seven_days(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    report = upload_at(desk, KEY, clock.now, status="draft")
    uploaded = desk.s3.head_object(Bucket=desk.bucket, Key=KEY)["LastModified"]
    clock.now = uploaded + PREVIEW_LIFETIME - timedelta(seconds=1)
    assert client.get(preview_path(report)).status_code == 200
    clock.now = uploaded + PREVIEW_LIFETIME
    expired = client.get(preview_path(report))
    assert expired.status_code == 410
    assert expired.json()["type"].endswith("/preview-expired")


def test_tampered_and_made_up_preview_tokens_are_refused(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    token = preview_path(upload_at(desk, KEY, clock.now, status="draft")).removeprefix("/preview/")
    payload, mac = token.split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (f"{flipped}.{mac}", f"{payload}.{mac[::-1]}", "x", "a.b", payload):
        response = client.get(f"/preview/{bad}")
        assert response.status_code == 403, bad
        assert response.json()["type"].endswith("/invalid-token")
        assert response.headers["cache-control"] == "private, no-store"


def test_unfinished_draft_has_no_preview_but_says_why(desk: Desk, clock: FakeClock) -> None:
    report = desk.upload(KEY, article_file(status="draft", title=None))
    assert report["status"] == "unpublished"
    assert "preview_url" not in report
    assert [error["field"] for error in report["errors"]] == ["title"]


BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_an_editors_browser_gets_the_preview_as_a_danish_page(
    desk: Desk, client: TestClient, stream: Stream, clock: FakeClock
) -> None:
    """`preview_url` opened from a report in a browser: the article as a page, not JSON text."""
    upload_at(desk, NEIGHBOUR_KEY, clock.now - timedelta(hours=1), body=NEIGHBOUR_BODY)
    stream.pump()
    report = upload_at(desk, KEY, clock.now + timedelta(hours=1), title="Fest & <sommer>")
    path = preview_path(report)
    data = client.get(path).json()
    page = client.get(path, headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "private, no-store"
    assert page.headers["x-robots-tag"] == "noindex"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "img-src http: https: data:" in page.headers["content-security-policy"]
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    assert '<html lang="da">' in page.text
    assert "<h1>Fest &amp; &lt;sommer&gt;</h1>" in page.text
    assert data["body_html"] in page.text  # the sanitised body, exactly as readers get it
    assert "Forhåndsvisning" in page.text
    assert all(escape(teaser["title"]) in page.text for teaser in data["related"])
    assert data["related"]
    for accept in ("*/*", "application/json", "application/json, text/html;q=0.5"):
        program = client.get(path, headers={"accept": accept})
        assert program.json() == data, accept


def test_an_editors_browser_gets_refusals_as_danish_pages(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    token = preview_path(upload_at(desk, KEY, clock.now, status="draft")).removeprefix("/preview/")
    bad = client.get(f"/preview/{token[:-2]}", headers=BROWSER)
    assert (bad.status_code, bad.headers["content-type"]) == (403, "text/html; charset=utf-8")
    assert "Linket virker ikke" in bad.text
    assert bad.headers["cache-control"] == "private, no-store"
    scheduled = preview_path(upload_at(desk, KEY, clock.now + timedelta(hours=1)))
    clock.advance(timedelta(hours=1))
    fire_due(desk, clock.now)
    live = client.get(scheduled, headers=BROWSER)
    assert live.status_code == 410
    assert "Artiklen er udgivet" in live.text and f"/articles/{SLUG}" in live.text
    other = preview_path(upload_at(desk, NEIGHBOUR_KEY, clock.now, status="draft"))
    desk.remove(NEIGHBOUR_KEY)
    gone = client.get(other, headers=BROWSER)
    assert gone.status_code == 410 and "findes ikke længere" in gone.text
    late = preview_path(upload_at(desk, NEIGHBOUR_KEY, clock.now, status="draft"))
    clock.now = desk.s3.head_object(Bucket=desk.bucket, Key=NEIGHBOUR_KEY)["LastModified"]
    clock.advance(PREVIEW_LIFETIME)
    expired = client.get(late, headers=BROWSER)
    assert expired.status_code == 410 and "Forhåndsvisningen er udløbet" in expired.text


def test_a_drafts_page_says_it_is_a_draft_and_a_scheduled_ones_when_it_goes_live(
    desk: Desk, client: TestClient, clock: FakeClock
) -> None:
    """A draft's date is only its upload's: its page must not promise a go-live then."""
    draft = preview_path(upload_at(desk, KEY, clock.now, status="draft"))
    page = client.get(draft, headers=BROWSER).text
    assert "Kladde: artiklen udgives først, når du uploader filen igen uden status: draft" in page
    assert "Udgives" not in page
    live_at = clock.now + timedelta(hours=1)
    scheduled = client.get(preview_path(upload_at(desk, KEY, live_at)), headers=BROWSER).text
    shown = live_at.astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%d.%m.%Y kl. %H:%M")
    assert f"Udgives {shown} (dansk tid)" in scheduled
    assert "Kladde" not in scheduled
