"""`make run`'s snapshot survives template changes that do not touch what it stores, and one
that no longer fits is set aside instead of being overwritten by the next run's own."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from infra.local import snapshot
from infra.template.reading import TEMPLATE_PATH

REGION = "eu-north-1"
TEXT = TEMPLATE_PATH.read_text(encoding="utf-8")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    path = tmp_path / "template.yaml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


BASE = snapshot.fingerprint(TEMPLATE_PATH, {}, REGION)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # a comment, an alarm's threshold, a function's timeout, a stage setting
        ("# Stateful resources outlive the stack", "# Stateful resources outlive stacks"),
        ("Threshold: 300000", "Threshold: 600000"),
        ("      Timeout: 60\n", "      Timeout: 90\n"),
        ("ApiBurstLimit: 40", "ApiBurstLimit: 30"),
    ],
)
def test_changes_outside_the_stored_resources_keep_the_snapshot(
    tmp_path: Path, old: str, new: str
) -> None:
    assert snapshot.fingerprint(_variant(tmp_path, old, new), {}, REGION) == BASE


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the table's keys or indexes, a bucket's settings, a secret's declaration
        ("- IndexName: GSI3", "- IndexName: GSI4"),
        ("NoncurrentDays: 30", "NoncurrentDays: 31"),
        ("PasswordLength: 48", "PasswordLength: 40"),
    ],
)
def test_changes_to_the_stored_resources_start_fresh(tmp_path: Path, old: str, new: str) -> None:
    assert snapshot.fingerprint(_variant(tmp_path, old, new), {}, REGION) != BASE


def test_parameters_region_and_moto_still_count() -> None:
    assert snapshot.fingerprint(TEMPLATE_PATH, {"Stage": "prod"}, REGION) != BASE
    assert snapshot.fingerprint(TEMPLATE_PATH, {}, "eu-west-1") != BASE


@pytest.mark.parametrize("content", [b"not a pickle", pickle.dumps({"fingerprint": "other"})])
def test_a_snapshot_that_does_not_fit_is_set_aside_not_lost(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "snapshot.pickle"
    path.write_bytes(content)

    assert snapshot.restore(path, REGION, BASE) is None

    assert not path.exists()  # the run starts fresh and will save its own here
    assert (tmp_path / "snapshot.discarded.pickle").read_bytes() == content
