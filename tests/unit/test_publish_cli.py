"""`make publish`: its exit status says whether the upload was taken, as the guide says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.publish import exit_status, object_key
from infra.template.reading import TEMPLATE_PATH


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


def test_it_runs_as_make_runs_it(tmp_path: Path) -> None:
    """`python -m infra.local.publish` from the repository, with no PYTHONPATH: the functions'
    package is found by `infra` itself (pytest's own path setting hid a missing one)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, "-m", "infra.local.publish", "x.md", "--state", str(tmp_path / "no")],
        cwd=TEMPLATE_PATH.parent,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert "ingen lokal stak" in run.stderr
