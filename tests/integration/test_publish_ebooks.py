"""E-books through the publish handler: live while .md and .pdf exist; copies beside articles."""

from __future__ import annotations

from typing import Any

import pytest
from newsdesk.dal import articles as store
from newsdesk.dal import ebooks, publishing

from tests.integration.test_publish import Desk, article_file

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def ebook_file(title: str = "Guide til Ballerup", **extra: str) -> bytes:
    lines = [f'title: "{title}"', 'description: "Alt om byen"'] + [
        f'{k}: "{v}"' for k, v in extra.items()
    ]
    return ("---\n" + "\n".join(lines) + "\n---\nOm bogen.\n").encode()


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


def references(ebook_id: str) -> list[str]:
    """Slugs of the articles whose source names the e-book (its REF# items)."""
    items = publishing.partition(ebooks.ebook_pk(ebook_id))
    return [item["slug"] for sk, item in items.items() if sk.startswith(ebooks.REF_SK_PREFIX)]


def copy_of(slug: str) -> Any:
    article = store.get_article(slug)
    assert article is not None
    return article.ebook


def test_ebook_goes_live_once_description_and_pdf_are_there(desk: Desk) -> None:
    report = desk.upload("ebooks/guide.md", ebook_file())
    assert report["status"] == "pending"
    assert (report["errors"], report["missing"]) == ([], ["ebooks/guide.pdf"])
    assert "ebooks/guide.pdf" in report["message"]
    assert ebooks.get_ebook("guide") is None
    pdf_report = desk.upload("ebooks/guide.pdf", PDF)
    assert (pdf_report["status"], pdf_report["slug"]) == ("published", "guide")
    assert desk.report("ebooks/guide.md")["status"] == "published"
    item = ebooks.get_ebook_item("guide")
    assert item is not None
    assert (item["pdf_key"], item["source_key"]) == ("ebooks/guide.pdf", "ebooks/guide.md")
    assert item["cta_label"] == "Tag e-bogen"
    assert [e.id for e in ebooks.list_ebooks()] == ["guide"]


def test_pdf_first_then_description(desk: Desk) -> None:
    report = desk.upload("ebooks/guide.pdf", PDF)
    assert (report["status"], report["missing"]) == ("pending", ["ebooks/guide.md"])
    assert "ebooks/guide.md" in report["message"]
    assert desk.upload("ebooks/guide.md", ebook_file())["status"] == "published"
    assert ebooks.get_ebook("guide") is not None


def test_article_copy_follows_the_ebook_both_ways(desk: Desk) -> None:
    desk.upload("articles/legeplads.md", article_file(ebook="guide"))
    assert copy_of("legeplads") is None
    desk.upload("ebooks/guide.pdf", PDF)
    desk.upload("ebooks/guide.md", ebook_file())
    assert copy_of("legeplads").title == "Guide til Ballerup"
    desk.upload("ebooks/guide.md", ebook_file("Ny titel", cta_label="Hent bogen"))
    ebook = copy_of("legeplads")
    assert (ebook.title, ebook.cta_label) == ("Ny titel", "Hent bogen")
    desk.remove("ebooks/guide.md")
    assert ebooks.get_ebook("guide") is None
    assert copy_of("legeplads") is None
    desk.upload("ebooks/guide.md", ebook_file())
    assert copy_of("legeplads").title == "Guide til Ballerup"


def test_article_published_after_the_ebook_gets_the_copy(desk: Desk) -> None:
    desk.upload("ebooks/guide.pdf", PDF)
    desk.upload("ebooks/guide.md", ebook_file())
    desk.upload("articles/legeplads.md", article_file(ebook="Guide"))
    assert copy_of("legeplads").id == "guide"


def test_removing_the_pdf_takes_the_ebook_offline(desk: Desk) -> None:
    desk.upload("ebooks/guide.pdf", PDF)
    desk.upload("ebooks/guide.md", ebook_file())
    desk.upload("articles/legeplads.md", article_file(ebook="guide"))
    assert desk.remove("ebooks/guide.pdf")["status"] == "unpublished"
    md_report = desk.report("ebooks/guide.md")
    assert (md_report["status"], md_report["slug"]) == ("pending", None)
    assert md_report["missing"] == ["ebooks/guide.pdf"]
    assert ebooks.get_ebook("guide") is None
    assert copy_of("legeplads") is None
    desk.upload("ebooks/guide.pdf", PDF)
    assert copy_of("legeplads").id == "guide"


@pytest.mark.parametrize(
    ("pdf", "needle"),
    [
        (b"", "tom"),
        (ebook_file(), "%PDF-"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
        (b"PK\x03\x04" + b"\x00" * 64, "ZIP"),
    ],
)
@pytest.mark.parametrize("pdf_first", [True, False])
def test_an_empty_or_other_file_as_the_pdf_is_rejected_and_keeps_the_ebook_offline(
    desk: Desk, pdf: bytes, needle: str, pdf_first: bool
) -> None:
    """Readers would be mailed a link to it: the e-book goes online only with a real PDF."""
    uploads = [("ebooks/guide.pdf", pdf), ("ebooks/guide.md", ebook_file())]
    for key, data in uploads if pdf_first else reversed(uploads):
        desk.upload(key, data)
    pdf_report = desk.report("ebooks/guide.pdf")
    assert (pdf_report["status"], pdf_report["slug"]) == ("rejected", None)
    [error] = pdf_report["errors"]
    assert error["field"] == "file" and needle in error["message"]
    md_report = desk.report("ebooks/guide.md")
    assert (md_report["status"], md_report["missing"]) == ("pending", ["ebooks/guide.pdf"])
    assert ebooks.get_ebook("guide") is None
    assert desk.upload("ebooks/guide.pdf", PDF)["status"] == "published"
    assert desk.report("ebooks/guide.md")["status"] == "published"


def test_a_broken_pdf_over_a_live_one_takes_the_ebook_offline_until_fixed(desk: Desk) -> None:
    desk.upload("ebooks/guide.pdf", PDF)
    desk.upload("ebooks/guide.md", ebook_file())
    desk.upload("articles/legeplads.md", article_file(ebook="guide"))
    assert desk.upload("ebooks/guide.pdf", b"")["status"] == "rejected"
    assert ebooks.get_ebook("guide") is None
    assert copy_of("legeplads") is None
    desk.upload("ebooks/guide.pdf", PDF)
    assert copy_of("legeplads").id == "guide"


def test_switching_and_dropping_the_ebook_of_an_article(desk: Desk) -> None:
    for ebook_id in ("guide", "kogebog"):
        desk.upload(f"ebooks/{ebook_id}.pdf", PDF)
        desk.upload(f"ebooks/{ebook_id}.md", ebook_file(ebook_id.title()))
    desk.upload("articles/legeplads.md", article_file(ebook="guide"))
    desk.upload("articles/legeplads.md", article_file(ebook="kogebog"))
    assert copy_of("legeplads").id == "kogebog"
    assert references("guide") == []
    assert references("kogebog") == ["legeplads"]
    desk.upload("ebooks/guide.md", ebook_file("Guide 2"))
    assert copy_of("legeplads").id == "kogebog"
    desk.upload("articles/legeplads.md", article_file())
    assert copy_of("legeplads") is None
    assert references("kogebog") == []
    assert "A#EBOOK" not in desk.partition("legeplads")


def test_broken_ebook_update_keeps_the_live_ebook(desk: Desk) -> None:
    desk.upload("ebooks/guide.pdf", PDF)
    desk.upload("ebooks/guide.md", ebook_file())
    report = desk.upload("ebooks/guide.md", b"---\ntitle: Uden beskrivelse\n---\n")
    assert report["status"] == "rejected"
    assert report["errors"] == [
        {"field": "description", "message": "feltet mangler; det skal altid være der"}
    ]
    assert ebooks.get_ebook("guide").title == "Guide til Ballerup"


def test_ebook_id_is_owned_by_its_first_file(desk: Desk) -> None:
    desk.upload("ebooks/guide.pdf", PDF)
    desk.upload("ebooks/guide.md", ebook_file())
    report = desk.upload("ebooks/Guide.md", ebook_file("Anden"))
    assert report["status"] == "rejected"
    assert "ebooks/guide.md" in report["errors"][0]["message"]
    assert ebooks.get_ebook("guide").title == "Guide til Ballerup"


def test_other_files_in_ebooks_are_ignored_with_a_reason(desk: Desk) -> None:
    report = desk.upload("ebooks/forside.jpg", b"\xff\xd8\xff")
    assert report["status"] == "ignored"
    assert "ebooks/<id>.md" in report["errors"][0]["message"]


@pytest.mark.parametrize(
    ("key", "wanted"),
    [
        ("ebooks/guide.PDF", "ebooks/guide.pdf"),
        ("ebooks/guide.Pdf", "ebooks/guide.pdf"),
        ("ebooks/guide.MD", "ebooks/guide.md"),
        ("ebooks/guide.markdown", "ebooks/guide.md"),
    ],
)
def test_an_ebook_half_under_another_spelling_is_rejected_with_the_name_to_use(
    desk: Desk, key: str, wanted: str
) -> None:
    """The halves find each other by name: a `.PDF` beside a `.md` would wait forever (and the
    `.md` report would ask for a PDF the editor has uploaded), so the report says what to do."""
    other = "ebooks/guide.md" if wanted.endswith(".pdf") else "ebooks/guide.pdf"
    desk.upload(other, ebook_file() if other.endswith(".md") else PDF)

    report = desk.upload(key, PDF if wanted.endswith(".pdf") else ebook_file())

    assert report["status"] == "rejected"
    assert wanted in report["errors"][0]["message"]
    assert ebooks.get_ebook("guide") is None
    assert desk.report(other)["status"] == "pending"
    assert desk.upload(wanted, PDF if wanted.endswith(".pdf") else ebook_file())["status"] == (
        "published"
    )
    assert ebooks.get_ebook("guide") is not None


def test_duplicate_ebook_event_repairs_copies(desk: Desk) -> None:
    desk.upload("articles/legeplads.md", article_file(ebook="guide"))
    desk.upload("ebooks/guide.pdf", PDF)
    record = desk.put("ebooks/guide.md", ebook_file())
    desk.send(record)
    desk.dynamodb.delete_item(
        TableName=desk.table, Key={"PK": {"S": "ARTICLE#legeplads"}, "SK": {"S": "A#EBOOK"}}
    )
    assert desk.send(record) == []
    assert copy_of("legeplads").id == "guide"
