"""Replays in any order, any number of times, give the state of in-order delivery.

Hypothesis draws what an editor does (uploads, broken uploads, drafts, deletions of an article
that promotes an e-book, and of the e-book's two files), performs it on the moto bucket, then
delivers the resulting S3 events once in order and once shuffled with duplicates, each time
on an empty table: both final states must be equal.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.test_publish import Desk, article_file
from tests.integration.test_publish_ebooks import PDF, ebook_file

ARTICLE_KEY = "articles/Legeplads i Hedegården.md"
KINDS = ["article", "broken", "draft", "delete article", "ebook", "pdf", "delete pdf"]
OPERATIONS = st.lists(st.sampled_from(KINDS), min_size=1, max_size=7)


def perform(desk: Desk, operations: list[str]) -> list[dict[str, Any]]:
    """Do the editor's operations on the bucket; the S3 records they cause, in S3's order."""
    records = []
    for number, operation in enumerate(operations):
        key = {"delete article": ARTICLE_KEY, "delete pdf": "ebooks/guide.pdf"}.get(operation)
        if key and not desk.s3.list_objects_v2(Bucket=desk.bucket, Prefix=key).get("KeyCount"):
            continue  # nothing to delete (moto, unlike S3, makes no delete marker for it)
        if operation == "article":
            data = article_file(title=f"Udgave {number}", ebook="guide")
            records.append(desk.put(ARTICLE_KEY, data))
        elif operation == "broken":
            records.append(desk.put(ARTICLE_KEY, article_file(title="", tags=5)))
        elif operation == "draft":
            records.append(desk.put(ARTICLE_KEY, article_file(status="draft")))
        elif operation == "delete article":
            records.append(desk.delete(ARTICLE_KEY))
        elif operation == "ebook":
            records.append(desk.put("ebooks/guide.md", ebook_file(f"Guide {number}")))
        elif operation == "pdf":
            records.append(desk.put("ebooks/guide.pdf", PDF))
        else:
            records.append(desk.delete("ebooks/guide.pdf"))
    return records


def _without_time(report: dict[str, Any]) -> dict[str, Any]:
    """The report without what describes the moment it was decided: its time, and the
    warning that the named e-book was not live yet (true then, whatever came later)."""
    kept = {k: v for k, v in report.items() if k != "processed_at"}
    warnings = [w for w in kept.pop("warnings", []) if w.get("field") != "ebook"]
    return kept | ({"warnings": warnings} if warnings else {})


def final_state(desk: Desk) -> dict[str, Any]:
    """Every item and every report, minus processing times, the e-book warnings of the
    moment, and the source states' write counters (`revision`), which differ with the number
    of deliveries.
    """
    items: dict[str, Any] = {}
    for (pk, sk), stored in desk.items().items():
        item = dict(stored)
        item.pop("revision", None)
        for decided in ("report", "outcome"):
            if decided in item:
                item[decided] = _without_time(item[decided])
        items[f"{pk}|{sk}"] = item
    reports = {}
    listing = desk.s3.list_objects_v2(Bucket=desk.bucket, Prefix="reports/")
    for entry in listing.get("Contents", []):
        body = desk.s3.get_object(Bucket=desk.bucket, Key=entry["Key"])["Body"].read()
        reports[entry["Key"]] = _without_time(json.loads(body))
    return {"items": items, "reports": reports}


def forget_state(desk: Desk) -> None:
    """An empty table and no reports; the uploaded objects stay."""
    for pk, sk in desk.items():
        desk.dynamodb.delete_item(TableName=desk.table, Key={"PK": {"S": pk}, "SK": {"S": sk}})
    listing = desk.s3.list_object_versions(Bucket=desk.bucket, Prefix="reports/")
    for version in [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]:
        desk.s3.delete_object(
            Bucket=desk.bucket, Key=version["Key"], VersionId=version["VersionId"]
        )


def forget_everything(desk: Desk) -> None:
    forget_state(desk)
    listing = desk.s3.list_object_versions(Bucket=desk.bucket)
    for version in [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]:
        desk.s3.delete_object(
            Bucket=desk.bucket, Key=version["Key"], VersionId=version["VersionId"]
        )


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


@given(operations=OPERATIONS, data=st.data())
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_order_and_any_replays_give_the_same_state(
    desk: Desk, operations: list[str], data: st.DataObject
) -> None:
    forget_everything(desk)
    records = perform(desk, operations)
    if not records:
        return
    desk.send(*records)
    expected = final_state(desk)
    forget_state(desk)
    replays = data.draw(st.lists(st.sampled_from(records), max_size=4), label="replays")
    delivery = data.draw(st.permutations([*records, *replays]), label="delivery")
    desk.send(*delivery)
    assert final_state(desk) == expected
    desk.send(*records)
    assert final_state(desk) == expected


def test_every_pair_of_operations_in_both_orders(desk: Desk) -> None:
    """Exhaustively, the small cases hypothesis might not draw: each pair, both orders, twice."""
    for operations in itertools.product(KINDS, repeat=2):
        forget_everything(desk)
        records = perform(desk, list(operations))
        desk.send(*records)
        expected = final_state(desk)
        forget_state(desk)
        desk.send(*reversed(records), *records)
        assert final_state(desk) == expected, operations


def test_in_order_delivery_matches_what_s3_holds(desk: Desk) -> None:
    """The reference itself is right: the last upload is live, or nothing after a delete."""
    records = perform(desk, ["ebook", "pdf", "article", "broken", "article"])
    desk.send(*reversed(records))
    state = final_state(desk)
    meta = state["items"]["ARTICLE#legeplads-i-hedegaarden|A#META"]
    assert meta["title"] == "Udgave 4"
    assert state["items"]["ARTICLE#legeplads-i-hedegaarden|A#EBOOK"]["ebook"]["title"] == "Guide 0"
    assert state["reports"][f"reports/{ARTICLE_KEY}.json"]["status"] == "published"


def test_two_versions_and_both_ebook_halves_in_every_order(desk: Desk) -> None:
    """Exhaustively, the case a derandomised run once drew: two article versions that promote
    the e-book, then the e-book's two halves; the article's e-book copy must not depend on
    which arrived first."""
    forget_everything(desk)
    records = perform(desk, ["article", "article", "ebook", "pdf"])
    desk.send(*records)
    expected = final_state(desk)
    assert "ARTICLE#legeplads-i-hedegaarden|A#EBOOK" in expected["items"]
    for order in itertools.permutations(records):
        forget_state(desk)
        desk.send(*order)
        assert final_state(desk) == expected
