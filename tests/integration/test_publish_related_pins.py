"""Publishing an article with pinned related articles: META keeps them, the report warns."""

from __future__ import annotations

from typing import Any

from newsdesk.dal import keys
from newsdesk.dal.codec import from_dynamo
from newsdesk.related_records import PINS_ATTRIBUTE

from tests.integration.test_publish import Desk, article_file


def meta(aws: dict[str, Any], slug: str) -> dict[str, Any]:
    item = aws["dynamodb"].get_item(
        TableName=aws["table"],
        Key={"PK": {"S": keys.article_pk(slug)}, "SK": {"S": keys.ARTICLE_SK}},
    )["Item"]
    return from_dynamo(item)


def test_pins_are_stored_and_unpublished_ones_are_reported(aws: dict[str, Any]) -> None:
    desk = Desk(aws)
    assert desk.upload("articles/gaardfest.md", article_file(title="Gårdfest"))["status"] == (
        "published"
    )
    report = desk.upload(
        "articles/beboermoede.md",
        article_file(title="Beboermøde", related=["Gårdfest", "Kommer senere"]),
    )
    assert report["status"] == "published" and report["errors"] == []
    assert [w["field"] for w in report["warnings"]] == ["related[1]"]
    assert "kommer-senere" in report["warnings"][0]["message"]
    assert meta(aws, "beboermoede")[PINS_ATTRIBUTE] == ["gaardfest", "kommer-senere"]
    # Once both are live, the next upload's report has nothing to warn about.
    desk.upload("articles/kommer-senere.md", article_file(title="Kommer senere"))
    again = desk.upload(
        "articles/beboermoede.md",
        article_file(title="Beboermøde igen", related=["Gårdfest", "Kommer senere"]),
    )
    assert again.get("warnings", []) == []


def test_a_title_pin_that_is_not_the_slug_is_not_called_unpublished(aws: dict[str, Any]) -> None:
    """The slug comes from the file name: pinning the live article by its title names no
    live slug, and the warning says so (it said the live article was not published)."""
    desk = Desk(aws)
    desk.upload("articles/juletrae.md", article_file(title="Juletræet tændes søndag"))
    report = desk.upload(
        "articles/julemarked.md",
        article_file(title="Julemarked", related=["Juletræet tændes søndag", "juletrae"]),
    )
    assert [w["field"] for w in report["warnings"]] == ["related[0]"]
    message = report["warnings"][0]["message"]
    assert "ingen udgivet artikel med slug'en 'juletraeet-taendes-soendag'" in message
    assert "/articles/<slug>" in message and "ikke udgivet" not in message


def test_too_many_pins_reject_the_upload_and_keep_the_live_version(aws: dict[str, Any]) -> None:
    desk = Desk(aws)
    desk.upload("articles/beboermoede.md", article_file(title="Beboermøde"))
    report = desk.upload(
        "articles/beboermoede.md", article_file(title="Ny", related=["a", "b", "c", "d", "e"])
    )
    assert report["status"] == "rejected"
    assert [e["field"] for e in report["errors"]] == ["related"]
    assert meta(aws, "beboermoede")["title"] == "Beboermøde"
