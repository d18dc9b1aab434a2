"""Publishing through the template's handler with moto: real objects, S3 events as AWS sends them.

The helpers here (`Desk`) are shared by the other `test_publish_*` modules.
"""

from __future__ import annotations

import importlib
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
import yaml
from newsdesk.dal import articles as store
from newsdesk.dal import keys
from newsdesk.dal.codec import from_dynamo
from newsdesk.handlers.publish import PublishFailedError
from newsdesk.logic.publishing.pipeline import Publisher, UploadEvent, is_newer

from infra.template.reading import create_table_request, handler_path
from tests.conftest import REGION

CONTENT = Path(__file__).resolve().parents[2] / "content"
ARTICLE: dict[str, Any] = {
    "title": "Ny legeplads i Hedegården",
    "subtitle": "Beboerne har selv været med til at tegne den",
    "summary": "Efter et års planlægning åbner den nye legeplads.",
    "category": "Bolig",
    "tags": ["Fællesskab", "Børn", "Ballerup"],
    "author": "Asta Petersen",
    "published_at": datetime(2026, 11, 20, 8, tzinfo=UTC),
}
BODY = "Legepladsen blev indviet lørdag.\n\n## Beboerne tegnede selv\n\nMange var med.\n"


def article_file(body: str = BODY, **changes: Any) -> bytes:
    """An article upload: ARTICLE's front matter with `changes` (None drops a key)."""
    fields = {**ARTICLE, **changes}
    fields = {k: v for k, v in fields.items() if v is not None}
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{body}".encode()


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that the handler's logger reads."""

    function_name: str = "PublishFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:PublishFunction"
    aws_request_id: str = "7f1c0a2e-0000-4000-8000-000000000000"


class Desk:
    """An editor's desk: puts real objects into the moto bucket and delivers S3's events."""

    def __init__(self, aws: dict[str, Any]) -> None:
        self.s3 = aws["s3"]
        self.dynamodb = aws["dynamodb"]
        self.table = aws["table"]
        self.bucket = aws["bucket"]
        self._sequence = itertools.count(0x5F0E3D2A1B000000)
        self.handler = getattr(
            importlib.import_module(handler_path("PublishFunction").rpartition(".")[0]),
            handler_path("PublishFunction").rpartition(".")[2],
        )

    def _record(self, name: str, key: str, obj: dict[str, Any]) -> dict[str, Any]:
        """One record shaped as AWS's (event version 2.1, URL-encoded key)."""
        return {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": REGION,
            "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
            "eventName": name,
            "userIdentity": {"principalId": "AWS:AIDAEDITOR"},
            "requestParameters": {"sourceIPAddress": "192.0.2.10"},
            "responseElements": {
                "x-amz-request-id": "C3D13FE58DE4C810",
                "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "PublishFunctionArticleCreated",
                "bucket": {
                    "name": self.bucket,
                    "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                    "arn": f"arn:aws:s3:::{self.bucket}",
                },
                "object": {
                    "key": quote_plus(key, safe="/"),
                    **obj,
                    "sequencer": f"{next(self._sequence):018X}",
                },
            },
        }

    def put(self, key: str, data: bytes) -> dict[str, Any]:
        """Upload `data`; the ObjectCreated:Put record S3 would send for it."""
        response = self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return self._record(
            "ObjectCreated:Put",
            key,
            {
                "size": len(data),
                "eTag": response["ETag"].strip('"'),
                "versionId": response["VersionId"],
            },
        )

    def delete(self, key: str) -> dict[str, Any]:
        """Delete (a delete marker in the versioned bucket); the record S3 would send."""
        response = self.s3.delete_object(Bucket=self.bucket, Key=key)
        return self._record(
            "ObjectRemoved:DeleteMarkerCreated", key, {"versionId": response["VersionId"]}
        )

    def delete_version(self, key: str, version_id: str) -> dict[str, Any]:
        """Permanently delete one version; the ObjectRemoved:Delete record."""
        self.s3.delete_object(Bucket=self.bucket, Key=key, VersionId=version_id)
        return self._record("ObjectRemoved:Delete", key, {"versionId": version_id})

    def send(self, *records: dict[str, Any]) -> list[dict[str, Any]]:
        """Invoke the handler with each record (S3 sends one record per event)."""
        reports: list[dict[str, Any]] = []
        for record in records:
            result = self.handler({"Records": [record]}, LambdaContext())
            reports.extend(result["reports"])
        return reports

    def upload(self, key: str, data: bytes) -> dict[str, Any]:
        """Put and deliver; the report the upload got."""
        self.send(self.put(key, data))
        return self.report(key)

    def remove(self, key: str) -> dict[str, Any]:
        """Delete and deliver; the report."""
        self.send(self.delete(key))
        return self.report(key)

    def report(self, key: str) -> dict[str, Any]:
        """The report object `reports/<key>.json`."""
        body = self.s3.get_object(Bucket=self.bucket, Key=f"reports/{key}.json")["Body"].read()
        report: dict[str, Any] = json.loads(body.decode("utf-8"))
        return report

    def has_report(self, key: str) -> bool:
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=f"reports/{key}.json")
        return bool(listing.get("KeyCount"))

    def items(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every item of the table by (PK, SK)."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        paginator = self.dynamodb.get_paginator("scan")
        for page in paginator.paginate(TableName=self.table):
            for raw in page["Items"]:
                item = from_dynamo(raw)
                found[item["PK"], item["SK"]] = item
        return found

    def partition(self, slug: str) -> dict[str, dict[str, Any]]:
        pk = keys.article_pk(slug)
        return {sk: item for (p, sk), item in self.items().items() if p == pk}

    def mark(self, pk: str, sk: str) -> None:
        """Set an attribute out of band: any later Put of the item drops it (no stream needed)."""
        self.dynamodb.update_item(
            TableName=self.table,
            Key={"PK": {"S": pk}, "SK": {"S": sk}},
            UpdateExpression="SET probe = :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


def live(slug: str) -> Any:
    return store.get_article(slug)


# Publishing


def test_markdown_article_goes_live_with_report(desk: Desk) -> None:
    report = desk.upload("articles/ny-legeplads.md", article_file())
    assert report["key"] == "articles/ny-legeplads.md"
    assert report["status"] == "published"
    assert report["slug"] == "ny-legeplads"
    assert report["errors"] == []
    assert datetime.fromisoformat(report["processed_at"]).tzinfo is not None
    article = live("ny-legeplads")
    assert article is not None
    assert article.title == ARTICLE["title"]
    assert article.author.name == "Asta Petersen"
    assert article.body_html.startswith("<p>Legepladsen blev indviet lørdag.</p>")
    assert "<h2>Beboerne tegnede selv</h2>" in article.body_html
    assert article.reading_minutes == 1
    assert [t.slug for t in store.list_teasers(tag="børn").items] == ["ny-legeplads"]
    assert [t.slug for t in store.list_teasers(category="bolig").items] == ["ny-legeplads"]


def test_json_article_goes_live(desk: Desk) -> None:
    document = {
        **ARTICLE,
        "published_at": "2026-11-16T09:00:00+01:00",
        "author": {"first_name": "Ida", "last_name": "Trilhøj"},
        "body": "Tekst med **fed**.",
    }
    report = desk.upload("articles/legeplads.json", json.dumps(document).encode())
    assert report["status"] == "published"
    article = live("legeplads")
    assert article.author.name == "Ida Trilhøj"
    assert article.body_html == "<p>Tekst med <strong>fed</strong>.</p>"


def test_keys_with_spaces_and_danish_letters(desk: Desk) -> None:
    key = "articles/Sådan går det på Ålholm Skole.md"
    record = desk.put(key, article_file())
    encoded = record["s3"]["object"]["key"]
    assert "+" in encoded and "%C3%A5" in encoded and "%C3%85" in encoded
    desk.send(record)
    report = desk.report(key)
    assert report["key"] == key
    assert report["slug"] == "saadan-gaar-det-paa-aalholm-skole"
    assert live("saadan-gaar-det-paa-aalholm-skole") is not None


def test_default_published_at_is_the_upload_time(desk: Desk) -> None:
    desk.upload("articles/nu.md", article_file(published_at=None))
    head = desk.s3.head_object(Bucket=desk.bucket, Key="articles/nu.md")
    assert live("nu").published_at == head["LastModified"]


def test_broken_update_is_rejected_and_live_version_stays(desk: Desk) -> None:
    desk.upload("articles/legeplads.md", article_file())
    before = live("legeplads")
    report = desk.upload(
        "articles/legeplads.md",
        article_file(title="", author={"first_name": "Asta"}, reading_minutes=0),
    )
    assert report["status"] == "rejected"
    assert report["slug"] == "legeplads"
    assert {e["field"] for e in report["errors"]} == {"title", "author", "reading_minutes"}
    assert live("legeplads") == before


def test_refusals_write_a_rejected_report_and_change_nothing(desk: Desk) -> None:
    refused = {
        # UTF-8 with a Windows-1252 part pasted in; half a UTF-16 character.
        "articles/blandet.md": "Ærø “x”\n".encode() + article_file().decode().encode("cp1252"),
        "articles/utf16.md": article_file().decode().encode("utf-16")[:-1],
        "articles/ingen-front-matter.md": b"Bare tekst\n",
        "articles/noter.txt": article_file(),
        "articles/stor.md": article_file(body="ord " * 100_000),
        "articles/tom.json": b"{}",
        # Thousands of problems, a huge key name, half a character: still one short report.
        "articles/mange-felter.json": json.dumps(
            {**{f"felt{i}": 1 for i in range(20_000)}, "body": BODY}
        ).encode(),
        "articles/langt-navn.json": json.dumps({"x" * 500_000: 1, "body": BODY}).encode(),
        "articles/tomme-tags.md": article_file(tags=[""] * 3_000),
        "articles/halvt-tegn.json": b'{"title": "\\ud800", "body": "Tekst"}',
    }
    for key, data in refused.items():
        report = desk.upload(key, data)
        assert report["status"] == "rejected", key
        assert report["slug"] is None
        assert report["errors"] and all(e["field"] and e["message"] for e in report["errors"])
    assert not [item for (pk, _), item in desk.items().items() if pk.startswith("ARTICLE#")]


def test_object_over_the_size_limit_is_refused_without_reading_it(desk: Desk) -> None:
    report = desk.upload("articles/kaempe.md", b"x" * 1_500_000)
    assert report["status"] == "rejected"
    assert report["errors"] == [
        {
            "field": "file",
            "message": "Filen fylder 1.500.000 bytes; grænsen er 1.000.000 bytes. Gør teksten "
            "kortere, eller del den op i flere artikler.",
        }
    ]


def test_changed_tags_drop_the_old_tag_entries(desk: Desk) -> None:
    desk.upload("articles/legeplads.md", article_file())
    desk.upload("articles/legeplads.md", article_file(tags=["Børn", "Leg"]))
    tag_sks = {sk for sk in desk.partition("legeplads") if sk.startswith("TAG#")}
    assert tag_sks == {"TAG#boern", "TAG#leg"}
    assert store.list_teasers(tag="Fællesskab").items == []
    assert [t.slug for t in store.list_teasers(tag="leg").items] == ["legeplads"]


def test_identical_republish_writes_no_meta(desk: Desk) -> None:
    """A META Put would replace the item and drop the probe: no Put, no stream MODIFY."""
    desk.upload("articles/legeplads.md", article_file())
    updated_at = live("legeplads").updated_at
    for sk in ("A#META", "TAG#boern"):
        desk.mark("ARTICLE#legeplads", sk)
    report = desk.upload("articles/legeplads.md", article_file())
    assert report["status"] == "published"
    partition = desk.partition("legeplads")
    assert partition["A#META"]["probe"] == 1
    assert partition["TAG#boern"]["probe"] == 1
    assert live("legeplads").updated_at == updated_at
    desk.upload("articles/legeplads.md", article_file(title="Ny titel"))
    assert "probe" not in desk.partition("legeplads")["A#META"]


# Unpublishing


def test_delete_unpublishes_every_item_but_the_related_list(desk: Desk) -> None:
    desk.upload("ebooks/guide.md", b"---\ntitle: Guide\ndescription: En guide\n---\n")
    desk.upload("ebooks/guide.pdf", b"%PDF-1.4\n")
    desk.upload("articles/legeplads.md", article_file(ebook="guide"))
    related = {"PK": {"S": "ARTICLE#legeplads"}, "SK": {"S": "A#RELATED"}, "teasers": {"L": []}}
    desk.dynamodb.put_item(TableName=desk.table, Item=related)
    assert set(desk.partition("legeplads")) >= {"A#META", "A#EBOOK", "TAG#boern"}
    report = desk.remove("articles/legeplads.md")
    assert (report["status"], report["slug"], report["errors"]) == ("unpublished", None, [])
    assert set(desk.partition("legeplads")) == {"A#RELATED"}
    assert ("EBOOK#guide", "REF#legeplads") not in desk.items()
    assert live("legeplads") is None
    assert store.list_teasers().items == []


def test_status_draft_unpublishes(desk: Desk) -> None:
    desk.upload("articles/legeplads.md", article_file())
    report = desk.upload("articles/legeplads.md", article_file(status="draft", title=None))
    assert (report["status"], report["slug"]) == ("unpublished", None)
    assert live("legeplads") is None
    assert desk.upload("articles/legeplads.md", article_file())["status"] == "published"


def test_removing_something_never_published_is_reported(desk: Desk) -> None:
    desk.upload("articles/kladde.md", b"ikke en artikel")
    report = desk.remove("articles/kladde.md")
    assert (report["status"], report["slug"], report["errors"]) == ("unpublished", None, [])


# Ordering and duplicates


def test_duplicate_event_changes_nothing_and_resends_the_report(desk: Desk) -> None:
    record = desk.put("articles/legeplads.md", article_file())
    desk.send(record)
    report = desk.report("articles/legeplads.md")
    desk.mark("ARTICLE#legeplads", "A#META")
    items = desk.items()
    desk.s3.delete_object(Bucket=desk.bucket, Key="reports/articles/legeplads.md.json")
    assert desk.send(record, record) == []
    assert desk.items() == items
    assert desk.report("articles/legeplads.md") == report


def test_stale_create_never_rolls_back(desk: Desk) -> None:
    old = desk.put("articles/legeplads.md", article_file(title="Første udgave"))
    new = desk.put("articles/legeplads.md", article_file(title="Anden udgave"))
    desk.send(new, old)
    assert live("legeplads").title == "Anden udgave"
    assert desk.report("articles/legeplads.md")["status"] == "published"


def test_late_create_applies_its_own_version(desk: Desk) -> None:
    first = desk.put("articles/legeplads.md", article_file(title="Første udgave"))
    second = desk.put("articles/legeplads.md", article_file(title="Anden udgave"))
    desk.send(first)
    assert live("legeplads").title == "Første udgave"
    desk.send(second)
    assert live("legeplads").title == "Anden udgave"


def test_removal_after_a_newer_create_does_not_unpublish(desk: Desk) -> None:
    first = desk.put("articles/legeplads.md", article_file(title="Første udgave"))
    removal = desk.delete("articles/legeplads.md")
    again = desk.put("articles/legeplads.md", article_file(title="Igen"))
    desk.send(first, again, removal)
    assert live("legeplads").title == "Igen"
    desk.send(removal)
    assert live("legeplads").title == "Igen"


def test_stale_removal_never_resurrects_or_unpublishes(desk: Desk) -> None:
    create = desk.put("articles/legeplads.md", article_file())
    removal = desk.delete("articles/legeplads.md")
    desk.send(removal, create)
    assert live("legeplads") is None
    assert desk.report("articles/legeplads.md")["status"] == "unpublished"


def test_permanently_deleting_the_current_version_restores_the_previous(desk: Desk) -> None:
    desk.send(desk.put("articles/legeplads.md", article_file(title="Første udgave")))
    second = desk.put("articles/legeplads.md", article_file(title="Anden udgave"))
    desk.send(second)
    desk.send(desk.delete_version("articles/legeplads.md", second["s3"]["object"]["versionId"]))
    assert live("legeplads").title == "Første udgave"


def test_sequencers_compare_as_padded_hex() -> None:
    assert is_newer("0A", "9")
    assert is_newer("0062E99A88DC407461", "62E99A88DC407460")
    assert not is_newer("0062e99a88dc407460", "62E99A88DC407460")
    assert not is_newer("01", "0A")


# Slug ownership and concurrency


def test_second_key_claiming_an_owned_slug_is_refused(desk: Desk) -> None:
    desk.upload("articles/legeplads.md", article_file(title="Ejeren"))
    report = desk.upload("articles/kopi.md", article_file(title="Kopien", slug="legeplads"))
    assert report["status"] == "rejected"
    assert report["errors"][0]["field"] == "slug"
    assert "articles/legeplads.md" in report["errors"][0]["message"]
    assert live("legeplads").title == "Ejeren"
    # The owner lets go: the claimant is published without a new upload, its report says so.
    desk.remove("articles/legeplads.md")
    assert live("legeplads").title == "Kopien"
    handed = desk.report("articles/kopi.md")
    assert (handed["status"], handed["slug"]) == ("published", "legeplads")
    assert "articles/legeplads.md" in handed["message"]
    assert not [k for k in desk.items() if k[0] == "CLAIM#legeplads"]


def test_changing_the_slug_moves_the_article(desk: Desk) -> None:
    desk.upload("articles/legeplads.md", article_file())
    report = desk.upload("articles/legeplads.md", article_file(slug="ny-legeplads"))
    assert (report["status"], report["slug"]) == ("published", "ny-legeplads")
    assert desk.partition("legeplads") == {}
    assert live("ny-legeplads") is not None
    assert [t.slug for t in store.list_teasers().items] == ["ny-legeplads"]


def test_a_writer_that_loses_the_race_decides_again(aws: dict[str, Any], desk: Desk) -> None:
    """A newer event for the same key commits between our read and our write."""
    older = desk.put("articles/legeplads.md", article_file(title="Ældre"))
    newer = desk.put("articles/legeplads.md", article_file(title="Nyere"))
    rival = Publisher(words_per_minute=200)
    raced = []

    def racing_clock() -> datetime:
        if not raced:
            raced.append(rival.process(_upload_event(newer)))
        return datetime.now(UTC)

    result = Publisher(words_per_minute=200, clock=racing_clock).process(_upload_event(older))
    assert raced and raced[0] is not None
    assert result is None  # on its second attempt the older event is stale
    assert live("legeplads").title == "Nyere"


def test_a_rival_claim_between_read_and_write_loses_nothing(desk: Desk) -> None:
    mine = desk.put("articles/a.md", article_file(title="Min", slug="legeplads"))
    theirs = desk.put("articles/b.md", article_file(title="Deres", slug="legeplads"))
    rival = Publisher(words_per_minute=200)
    raced: list[Any] = []

    def racing_clock() -> datetime:
        if not raced:
            raced.append(rival.process(_upload_event(theirs)))
        return datetime.now(UTC)

    report = Publisher(words_per_minute=200, clock=racing_clock).process(_upload_event(mine))
    assert raced[0]["status"] == "published"
    assert report is not None and report["status"] == "rejected"
    assert live("legeplads").title == "Deres"


def test_an_ebook_published_between_read_and_write_reaches_the_article(desk: Desk) -> None:
    """The article saw no e-book; the e-book's publish commits before the article's does."""
    desk.put("ebooks/guide.pdf", b"%PDF-1.4\n")
    ebook = desk.put("ebooks/guide.md", b"---\ntitle: Guide\ndescription: Om byen\n---\n")
    article = desk.put("articles/legeplads.md", article_file(ebook="guide"))
    rival = Publisher(words_per_minute=200)
    raced: list[Any] = []

    def racing_clock() -> datetime:
        if not raced:
            raced.append(rival.process(_upload_event(ebook)))
        return datetime.now(UTC)

    Publisher(words_per_minute=200, clock=racing_clock).process(_upload_event(article))
    assert raced[0]["status"] == "published"
    assert live("legeplads").ebook is not None
    assert live("legeplads").ebook.title == "Guide"


def _upload_event(record: dict[str, Any]) -> UploadEvent:
    from newsdesk.handlers.publish import upload_events

    [event] = upload_events({"Records": [record]}, record["s3"]["bucket"]["name"])
    return event


# Keys that are not content, and AWS failures


def test_folders_reports_and_other_buckets_are_not_processed(desk: Desk) -> None:
    folder = desk.put("articles/", b"")
    report_record = desk.put("reports/articles/x.md.json", b"{}")
    foreign = desk.put("articles/fremmed.md", article_file())
    foreign["s3"]["bucket"]["name"] = "another-bucket"
    assert desk.send(folder, report_record, foreign) == []
    assert not desk.has_report("articles/")
    assert not desk.has_report("articles/fremmed.md")


def test_test_event_from_s3_is_acknowledged(desk: Desk) -> None:
    event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": desk.bucket}
    assert desk.handler(event, LambdaContext()) == {"reports": []}


def test_transient_aws_errors_raise_for_lambda_to_retry_and_report_failed(desk: Desk) -> None:
    assert desk.upload("articles/legeplads.md", article_file())["status"] == "published"
    record = desk.put("articles/legeplads.md", article_file(title="Ny titel"))
    desk.dynamodb.delete_table(TableName=desk.table)
    with pytest.raises(PublishFailedError, match=r"articles/legeplads\.md"):
        desk.send(record)
    # The older `published` report no longer stands for the newer upload.
    report = desk.report("articles/legeplads.md")
    assert (report["status"], report["errors"]) == ("failed", [])
    assert "prøves automatisk igen" in report["message"]
    assert report["processed_at"].endswith("Z")
    # Lambda's retry, once the table is back, decides the upload and rewrites the report.
    desk.dynamodb.create_table(**create_table_request(desk.table))
    desk.send(record)
    assert desk.report("articles/legeplads.md")["status"] == "published"
    assert live("legeplads").title == "Ny titel"


# The sample content


def upload_sample_content(desk: Desk) -> dict[str, dict[str, Any]]:
    """Every file under content/ uploaded through the handler; the reports by key."""
    uploaded = []
    for path in sorted([*(CONTENT / "articles").iterdir(), *(CONTENT / "ebooks").iterdir()]):
        key = f"{path.parent.name}/{path.name}"
        desk.upload(key, path.read_bytes())
        uploaded.append(key)
    return {key: desk.report(key) for key in uploaded}


def test_sample_content_publishes_through_the_handler(desk: Desk) -> None:
    reports = upload_sample_content(desk)
    articles = [key for key in reports if key.startswith("articles/")]
    assert len(articles) >= 20
    assert {reports[key]["status"] for key in articles} == {"published"}
    assert reports["ebooks/ballerup-shopping.md"]["status"] == "published"
    assert reports["ebooks/ballerup-shopping.pdf"]["status"] == "published"
    seed = live("inklusion-i-praksis")
    assert seed.author.name == "Asta Petersen"
    assert seed.reading_minutes == 7
    assert seed.body_html.count("<h2>") == 6
    assert seed.ebook is not None
    assert seed.ebook.cta_label == "Tag e-bogen"
    listed: list[str] = []
    cursor = None
    while True:
        page = store.list_teasers(limit=50, cursor=cursor)
        listed += [t.slug for t in page.items]
        if not (cursor := page.next_cursor):
            break
    assert len(listed) == len(articles)


def test_event_keys_are_url_decoded(desk: Desk) -> None:
    from newsdesk.handlers.publish import upload_events

    record = desk.put("articles/x.md", article_file())
    cases = {
        "articles%2FNyt+fra+%C3%85lholm.md": "articles/Nyt fra Ålholm.md",
        "articles/1%2B1+%3D+2.md": "articles/1+1 = 2.md",
        "articles/caf%C3%A9.md": "articles/café.md",
    }
    for encoded, key in cases.items():
        record["s3"]["object"]["key"] = encoded
        [event] = upload_events({"Records": [record]}, desk.bucket)
        assert event.key == key
        assert event.sequencer == record["s3"]["object"]["sequencer"]
        assert event.version_id == record["s3"]["object"]["versionId"]
