"""Editors' real files through the template's publish handler: a Windows-1252 file with CRLF
from Notepad, a macOS upload with a decomposed (NFD) key, Word's invisible characters in
labels, Danish dates and field names. What publishes is what the editor meant, counted under
the same labels as tidy files; what is refused gets a Danish report and changes nothing.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from newsdesk.dal import articles as store

from tests.integration.stream_tap import StreamTap
from tests.integration.test_publish import Desk, live

TIDY = """---
title: Sådan går det på Ærø
category: Grønne områder
tags: [Børn, Fællesskab]
author: Åse Ødegård
published_at: 2026-12-03T10:00:00+01:00
---
Åens bredder er grønne, og “søen” ligger stille.
"""


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


@pytest.fixture
def tap(aws: dict[str, Any]) -> StreamTap:
    return StreamTap(aws["table"])


def test_sloppy_files_publish_as_meant_under_the_same_labels(
    desk: Desk, tap: StreamTap, client: TestClient
) -> None:
    assert desk.upload("articles/ryddelig.md", TIDY.encode())["status"] == "published"
    notepad = (
        TIDY.replace("title:", "Title:")
        .replace("2026-12-03T10:00:00+01:00", "3. december 2026 kl. 10.00")
        .replace("Grønne områder", "Grønne\u00a0om\u00adråder")
        .replace("[Børn, Fællesskab]", "'b\u00adørn , FÆLLESSKAB'")
        .replace("ryddelig", "notesblok")
        .replace("\n", "\r\n")
        .encode("cp1252")
    )
    key = unicodedata.normalize("NFD", "articles/Ærø på Mac.md")  # the key has `+` in the event
    report = desk.upload(key, notepad)
    assert report["status"] == "published", report
    assert report["slug"] == "aeroe-paa-mac"
    [warning] = report["warnings"]
    assert warning["field"] == "file" and "Windows-1252" in warning["message"]
    article = live("aeroe-paa-mac")
    tidy = live("ryddelig")
    assert article.title == tidy.title == "Sådan går det på Ærø"
    assert article.category == tidy.category == "Grønne områder"
    assert article.tags == ["børn", "FÆLLESSKAB"]
    assert article.published_at == tidy.published_at
    assert article.published_at == datetime(2026, 12, 3, 10, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert article.body_html == tidy.body_html
    listed = {t.slug for t in store.list_teasers(category="groenne-omraader").items}
    assert listed == {"ryddelig", "aeroe-paa-mac"}
    assert {t.slug for t in store.list_teasers(tag="boern").items} == listed

    (result,) = tap.deliver("LabelsFunction")
    assert result["batchItemFailures"] == []
    categories = client.get("/categories").json()["items"]
    assert [(c["name"], c["slug"], c["articles"]) for c in categories] == [
        ("Grønne områder", "groenne-omraader", 2)
    ]


def test_refused_sloppy_upload_reports_in_danish_and_keeps_the_live_article(desk: Desk) -> None:
    assert desk.upload("articles/aeroe.md", TIDY.encode())["status"] == "published"
    before = live("aeroe")
    broken = {
        # A UTF-8 file with a Windows-1252 paragraph pasted in.
        "ikke gemt som UTF-8": TIDY.encode() + "Æbleskiver “nu”\n".encode("cp1252") + "Ø".encode(),
        "felternes navne er engelske: skriv `title`": TIDY.replace("title:", "Titel:").encode(),
        "er ikke en dato": TIDY.replace("2026-12-03T10:00:00+01:00", "31-02-2026").encode(),
        "omdøb den, så den ender på .md": b"",
    }
    for needle, data in broken.items():
        key = "articles/aeroe.md.txt" if not data else "articles/aeroe.md"
        report = desk.upload(key, data or TIDY.encode())
        assert report["status"] == "rejected", needle
        assert any(needle in error["message"] for error in report["errors"]), report["errors"]
        assert live("aeroe") == before


def test_same_name_from_a_mac_and_from_windows_names_the_look_alike(desk: Desk) -> None:
    windows = "articles/Åen.md"
    mac = unicodedata.normalize("NFD", windows)
    assert mac != windows
    assert desk.upload(windows, TIDY.encode())["status"] == "published"
    report = desk.upload(mac, TIDY.encode())
    assert report["status"] == "rejected"
    [error] = report["errors"]
    assert error["field"] == "slug"
    assert "gemt med andre tegn (fx æ, ø eller å fra en Mac" in error["message"]
    other = desk.upload("articles/andet.md", TIDY.replace("title:", "slug: aaen\ntitle:").encode())
    assert "andre tegn" not in other["errors"][0]["message"]


@pytest.mark.parametrize("pdf_first", [False, True])
def test_ebook_halves_from_a_mac_and_from_windows_find_each_other(
    desk: Desk, pdf_first: bool
) -> None:
    markdown = "ebooks/Åens guide.md"
    pdf = unicodedata.normalize("NFD", "ebooks/Åens guide.pdf")  # uploaded from a Mac
    uploads = [(markdown, b"---\ntitle: Guide\ndescription: Til aaen\n---\n"), (pdf, b"%PDF-1.4\n")]
    for key, data in reversed(uploads) if pdf_first else uploads:
        desk.upload(key, data)
    assert desk.report(markdown)["status"] == "published"
    assert desk.report(pdf)["status"] == "published"
    assert desk.report(pdf)["slug"] == "aaens-guide"

    desk.remove(pdf)
    waiting = desk.report(markdown)
    assert (waiting["status"], waiting["missing"]) == ("pending", ["ebooks/Åens guide.pdf"])
