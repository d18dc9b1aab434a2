"""The publish pipeline's decision rules on in-memory storage: reports, warnings, pending
e-books, slug hand-over and failure reports (the moto tests cover the real store)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from newsdesk.dal import keys
from newsdesk.logic.publishing import pipeline
from newsdesk.logic.publishing.pipeline import Publisher

from tests.unit.publishing_fake import InMemoryStorage

FIELDS: dict[str, Any] = {
    "title": "Ny legeplads i Hedegården",
    "category": "Bolig",
    "tags": ["Fællesskab", "Børn"],
    "author": "Asta Petersen",
}
BODY = "Legepladsen blev indviet lørdag.\n\nMange beboere var med.\n"
PDF = b"%PDF-1.4\n%%EOF\n"
EBOOK = b'---\ntitle: "Guide"\ndescription: "Alt om byen"\n---\n'


def article(body: str = BODY, **changes: Any) -> bytes:
    fields = {k: v for k, v in {**FIELDS, **changes}.items() if v is not None}
    return f"---\n{yaml.safe_dump(fields, allow_unicode=True)}---\n{body}".encode()


@pytest.fixture
def storage() -> InMemoryStorage:
    return InMemoryStorage()


@pytest.fixture
def publisher(storage: InMemoryStorage) -> Publisher:
    return Publisher(words_per_minute=200, storage=storage)


def meta(storage: InMemoryStorage, slug: str) -> dict[str, Any] | None:
    return storage.get_item(keys.article_pk(slug), keys.ARTICLE_SK)


def test_published_report_has_the_new_fields(
    storage: InMemoryStorage, publisher: Publisher
) -> None:
    report = publisher.process(storage.upload("articles/legeplads.md", article()))
    assert report is not None
    assert report["status"] == "published"
    assert (report["slug"], report["errors"], report["warnings"]) == ("legeplads", [], [])
    assert report["missing"] == [] and report["message"]
    assert storage.reports["articles/legeplads.md"] == report


def test_warnings_for_likely_mistakes(storage: InMemoryStorage, publisher: Publisher) -> None:
    data = article(slug="../../Ny Legeplads", reading_minutes=45, ebook="kogebog")
    report = publisher.process(storage.upload("articles/legeplads.md", data))
    assert report is not None and report["status"] == "published"
    assert report["slug"] == "ny-legeplads"
    assert {w["field"] for w in report["warnings"]} == {"slug", "reading_minutes", "ebook"}
    assert all(w["message"] for w in report["warnings"])


def test_a_bad_update_keeps_the_live_version(
    storage: InMemoryStorage, publisher: Publisher
) -> None:
    publisher.process(storage.upload("articles/legeplads.md", article()))
    before = meta(storage, "legeplads")
    report = publisher.process(storage.upload("articles/legeplads.md", article(title="   ")))
    assert report is not None
    assert (report["status"], report["slug"]) == ("rejected", "legeplads")
    assert report["errors"] == [{"field": "title", "message": "må ikke være tom"}]
    assert meta(storage, "legeplads") == before


def test_a_rejected_new_file_does_not_claim_a_version_online(
    storage: InMemoryStorage, publisher: Publisher
) -> None:
    report = publisher.process(storage.upload("articles/ny.md", article(category="  ")))
    assert report is not None and (report["status"], report["slug"]) == ("rejected", None)
    assert report["message"] == "Filen blev afvist: se errors. Intet fra filen er online."
    publisher.process(storage.upload("articles/ny.md", article()))
    report = publisher.process(storage.upload("articles/ny.md", article(category="  ")))
    assert report is not None and report["slug"] == "ny"
    assert "Den version, der var online før, er uændret" in report["message"]


def test_an_empty_required_field_is_empty_not_a_type_error(
    storage: InMemoryStorage, publisher: Publisher
) -> None:
    data = b"---\ntitle:\ncategory:\nauthor: Asta Petersen\n---\nTekst.\n"
    report = publisher.process(storage.upload("articles/tom.md", data))
    assert report is not None and report["status"] == "rejected"
    assert report["errors"] == [
        {"field": "title", "message": "må ikke være tom"},
        {"field": "category", "message": "må ikke være tom"},
    ]


def test_unforeseen_parse_error_is_a_rejection(
    storage: InMemoryStorage, publisher: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    publisher.process(storage.upload("articles/legeplads.md", article()))

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("a parser bug")

    monkeypatch.setattr(pipeline, "parse_article_source", broken)
    report = publisher.process(storage.upload("articles/legeplads.md", article(title="Ny")))
    assert report is not None
    assert (report["status"], report["slug"]) == ("rejected", "legeplads")
    assert report["errors"][0]["field"] == "file"
    assert meta(storage, "legeplads") is not None


def test_failure_report_only_for_the_newest_event(
    storage: InMemoryStorage, publisher: Publisher
) -> None:
    first = storage.upload("articles/legeplads.md", article())
    second = storage.upload("articles/legeplads.md", article(title="Ny titel"))
    publisher.process(second)
    assert publisher.report_failure(first) is None  # older: the newer report stands
    assert publisher.report_failure(second) is None  # already decided
    third = storage.upload("articles/legeplads.md", article(title="Tredje"))
    report = publisher.report_failure(third)
    assert report is not None
    assert (report["status"], report["slug"]) == ("failed", "legeplads")
    assert storage.reports["articles/legeplads.md"]["status"] == "failed"
    # A late retry of an older event puts the newest decided report back.
    publisher.process(first)
    assert storage.reports["articles/legeplads.md"]["status"] == "published"
    # The failed event's own retry decides it.
    assert publisher.process(third) is not None
    assert storage.reports["articles/legeplads.md"]["status"] == "published"
    assert meta(storage, "legeplads") == meta(storage, "legeplads") | {"title": "Tredje"}


@pytest.mark.parametrize("pdf_first", [False, True])
def test_ebook_halves_are_pending_until_both_are_there(
    storage: InMemoryStorage, publisher: Publisher, pdf_first: bool
) -> None:
    halves = [("ebooks/guide.md", EBOOK), ("ebooks/guide.pdf", PDF)]
    (first_key, first_data), (second_key, second_data) = halves[::-1] if pdf_first else halves
    report = publisher.process(storage.upload(first_key, first_data))
    assert report is not None
    assert (report["status"], report["missing"], report["errors"]) == ("pending", [second_key], [])
    assert second_key in report["message"]
    publisher.process(storage.upload(second_key, second_data))
    assert storage.reports["ebooks/guide.md"]["status"] == "published"
    assert storage.reports["ebooks/guide.pdf"]["status"] == "published"
    publisher.process(storage.delete("ebooks/guide.pdf"))
    assert storage.reports["ebooks/guide.md"]["status"] == "pending"


def test_slug_is_handed_over_to_the_newest_claimant(
    storage: InMemoryStorage, publisher: Publisher
) -> None:
    publisher.process(storage.upload("articles/ejer.md", article(slug="legeplads")))
    older = publisher.process(storage.upload("articles/aeldre.md", article(slug="legeplads")))
    newer = publisher.process(storage.upload("articles/nyere.md", article(slug="legeplads")))
    assert older is not None and newer is not None
    assert older["status"] == newer["status"] == "rejected"
    assert "articles/ejer.md" in newer["errors"][0]["message"]
    publisher.process(storage.delete("articles/ejer.md"))
    handed = storage.reports["articles/nyere.md"]
    assert (handed["status"], handed["slug"]) == ("published", "legeplads")
    assert "articles/ejer.md" in handed["message"]
    assert meta(storage, "legeplads")["source_key"] == "articles/nyere.md"  # type: ignore[index]
    assert storage.reports["articles/aeldre.md"]["status"] == "rejected"
    # The next owner to let go (here: by a draft) hands it on to the remaining claimant.
    publisher.process(storage.upload("articles/nyere.md", article(status="draft")))
    assert storage.reports["articles/aeldre.md"]["status"] == "published"


def test_a_claim_ends_with_a_newer_upload_of_the_claimant(
    storage: InMemoryStorage, publisher: Publisher
) -> None:
    publisher.process(storage.upload("articles/ejer.md", article(slug="legeplads")))
    publisher.process(storage.upload("articles/anden.md", article(slug="legeplads")))
    publisher.process(storage.upload("articles/anden.md", article(slug="gynger")))
    publisher.process(storage.delete("articles/ejer.md"))
    assert meta(storage, "legeplads") is None
    assert storage.reports["articles/anden.md"]["slug"] == "gynger"
    assert not storage.partition("CLAIM#legeplads")
