"""`make run` saves its snapshot while it runs, so a SIGKILL (a crash, the OOM killer, a power
cut) loses at most one autosave interval: the next start restores the articles, reports and
related lists, and finishes the uploads and related updates that were in hand when the last
save was taken. An idle stack does not rewrite the snapshot. The interval is 1 s here
(`--autosave-interval`); `make run` uses `AUTOSAVE_INTERVAL`. Counts are printed (`-s`)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.stack import CONTENT_DIR
from tests.e2e.test_local_stack_lifecycle import ARTICLES, get, start, stop_with, wait_ready

pytestmark = pytest.mark.slow

INTERVAL = "1"
# Uploaded after the first start: the work a periodic save has to keep.
UPLOADS = sorted(
    path.stem for path in (CONTENT_DIR / "articles").glob("*.md") if path.stem not in ARTICLES
)[:12]
SAVED = re.compile(r"local\.stack: saved .*snapshot\.pickle")


def s3_client(info: dict[str, Any]) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=info["aws_endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # pragma: allowlist secret
    )


def reports(info: dict[str, Any]) -> dict[str, str]:
    """Slug → report status of the uploads that have a report."""
    s3, found = s3_client(info), {}
    for slug in UPLOADS:
        try:
            body = s3.get_object(
                Bucket=info["content_bucket"], Key=f"reports/articles/{slug}.md.json"
            )
        except s3.exceptions.NoSuchKey:
            continue
        found[slug] = json.loads(body["Body"].read())["status"]
    return found


def saves(log: Path) -> int:
    return len(SAVED.findall(log.read_text(errors="replace")))


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the whole group: nothing runs a `finally`, nothing saves at the end."""
    os.killpg(os.getpgid(process.pid), signal.SIGKILL)
    process.wait(timeout=10)


def idle_rewrites(state: Path, log: Path, seconds: float) -> tuple[int, bool]:
    """Periodic saves and whether the snapshot file changed during `seconds` of idling."""
    before, stat = saves(log), (state / "snapshot.pickle").stat()
    time.sleep(seconds)
    after = (state / "snapshot.pickle").stat()
    changed = (after.st_mtime_ns, after.st_ino) != (stat.st_mtime_ns, stat.st_ino)
    return saves(log) - before, changed


def test_a_killed_stack_restarts_with_its_content_and_finishes_the_work_in_hand(
    tmp_path: Path,
) -> None:
    seed = tmp_path / "seed"
    (seed / "articles").mkdir(parents=True)
    (seed / "ebooks").mkdir()
    for slug in ARTICLES:
        (seed / "articles" / f"{slug}.md").write_bytes(
            (CONTENT_DIR / "articles" / f"{slug}.md").read_bytes()
        )
    state, log = tmp_path / "state", tmp_path / "state.log"
    process, _ = start(state, seed, "--autosave-interval", INTERVAL)
    try:
        info = wait_ready(process, state, log)
        deadline = time.monotonic() + 30  # the ready save follows stack.json
        while not (state / "snapshot.pickle").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        # Idle after a fresh start: the ready save is the only one.
        rewrites, changed = idle_rewrites(state, log, 5)
        print(f"\nidle 5 s after a fresh start: {rewrites} periodic saves")
        assert (rewrites, changed) == (0, False)

        s3 = s3_client(info)
        for slug in UPLOADS:
            s3.put_object(
                Bucket=info["content_bucket"],
                Key=f"articles/{slug}.md",
                Body=(CONTENT_DIR / "articles" / f"{slug}.md").read_bytes(),
                ContentType="text/markdown; charset=utf-8",
            )
        # Kill right after the first periodic save that follows the uploads: mid-work.
        saved_before = saves(log)
        deadline = time.monotonic() + 60
        while saves(log) == saved_before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert saves(log) > saved_before, "no periodic save within 60 s of the uploads"
        reported = len(reports(info))
    finally:
        kill(process)
    print(f"killed after a periodic save; {reported}/{len(UPLOADS)} uploads had a report then")
    killed_at = len(log.read_bytes())
    assert (state / "stack.json").exists()  # nothing cleaned up: a real crash
    (state / "stack.json").unlink()  # (the next start removes it too; the test must not read it)

    process, _ = start(state, seed, "--autosave-interval", INTERVAL)
    try:
        info = wait_ready(process, state, log)
        assert info["seed"] == {"restored": str(state / "snapshot.pickle")}
        deadline = time.monotonic() + 120
        pages: dict[str, Any] = {}
        while time.monotonic() < deadline:
            pages = {
                slug: json.loads(body)
                for slug in [*ARTICLES, *UPLOADS]
                for status, _, body in [get(f"{info['api_url']}/articles/{slug}")]
                if status == 200
            }
            if len(pages) == len(ARTICLES) + len(UPLOADS) and all(
                len(page["related"]) > 0 for page in pages.values()
            ):
                break
            time.sleep(0.5)
        missing = sorted({*ARTICLES, *UPLOADS} - pages.keys())
        assert not missing, f"not published after the restore: {missing}"
        assert all(page["related"] for page in pages.values()), "related lists not settled"
        assert reports(info) == dict.fromkeys(UPLOADS, "published")
        print(f"after the restore: {len(pages)} articles with related lists, every upload reported")
        after = log.read_bytes()[killed_at:].decode(errors="replace")
        uploads = len(re.findall(r"PublishFunction ← s3 ", after))
        records = sum(
            map(int, re.findall(r"RelatedFunction ← dynamodb stream \S+ \((\d+) records", after))
        )
        print(f"the restored stack handled {uploads} uploads and {records} stream records in hand")

        # The restored stack saves what it finished, then, idle, writes nothing more.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rewrites, changed = idle_rewrites(state, log, 3)
            if (rewrites, changed) == (0, False):
                break
        rewrites, changed = idle_rewrites(state, log, 5)
        print(f"idle 5 s after the restored work settled: {rewrites} periodic saves")
        assert (rewrites, changed) == (0, False)
    finally:
        stop_with(process, [signal.SIGTERM])
