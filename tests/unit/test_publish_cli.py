"""`make publish`: its exit status says whether the upload was taken, as the guide says."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.publish import exit_status, object_key


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("published", 0),
        ("scheduled", 0),
        ("unpublished", 0),
        ("ignored", 0),
        ("pending", 0),
        ("rejected", 1),
        ("failed", 1),
    ],
)
def test_exit_status(status: str, code: int) -> None:
    assert exit_status({"status": status}) == code


def test_ebook_halves_keep_their_folder() -> None:
    assert object_key(Path("content/ebooks/guide.md")) == "ebooks/guide.md"
    assert object_key(Path("guide.pdf")) == "ebooks/guide.pdf"
