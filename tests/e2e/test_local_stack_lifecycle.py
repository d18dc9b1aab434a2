"""`make run` as a developer runs it, in its own process group: ready with the content
published and related lists settled, restored from its snapshot on the next start, and
ended — make, the stack and everything they started — by one Ctrl-C, SIGTERM or SIGHUP (a
closed terminal) to the group within 5 s, stack.json removed and the snapshot kept; a second
signal changes nothing. The times are
printed (`-s`), not asserted: `docs/development.md` has the figures and the command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.stack import CONTENT_DIR
from infra.template.reading import TEMPLATE_PATH

pytestmark = pytest.mark.slow

REPO = TEMPLATE_PATH.parent
ARTICLES = [
    "240-nye-boliger-ved-ballerup-boulevard",
    "ballerup-satser-paa-blandede-boligomraader",
    "boligpriserne-i-ballerup-stiger",
]
STOP_DEADLINE = 5.0


def start(state: Path, seed: Path, *extra: str) -> tuple[subprocess.Popen[bytes], float]:
    """`make run` on free ports in a new session (its own process group)."""
    args = f"--state-dir {state} --seed-dir {seed} " + " ".join(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE"))}
    process = subprocess.Popen(
        ["make", "-s", "run", "API_PORT=0", "AWS_PORT=0", f"RUN_ARGS={args}"],
        cwd=REPO,
        env=env,
        stdout=(state.parent / f"{state.name}.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, time.monotonic()


def wait_ready(process: subprocess.Popen[bytes], state: Path, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited: {log.read_text(errors='replace')[-3000:]}")
        if (state / "stack.json").exists():
            info: dict[str, Any] = json.loads((state / "stack.json").read_text(encoding="utf-8"))
            return info
        time.sleep(0.05)
    pytest.fail("not ready within 240 s")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_with(process: subprocess.Popen[bytes], signals: list[signal.Signals]) -> float:
    """Send the signals to the whole group (0.2 s apart); seconds until no process is left."""
    pgid = os.getpgid(process.pid)
    started = time.monotonic()
    for number in signals:
        if group_alive(pgid):
            os.killpg(pgid, number)
        time.sleep(0.2)
    while group_alive(pgid) and time.monotonic() - started < 30:
        process.poll()  # reap make, so its pid leaves the group
        time.sleep(0.02)
    if group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
        pytest.fail("processes of the stack outlived the signal")
    return time.monotonic() - started


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    """A few related sample articles: enough for related lists, quick to publish."""
    root = tmp_path / "seed"
    (root / "articles").mkdir(parents=True)
    (root / "ebooks").mkdir()
    for slug in ARTICLES:
        shutil.copy(CONTENT_DIR / "articles" / f"{slug}.md", root / "articles")
    return root


@pytest.mark.parametrize(
    "signals",
    [[signal.SIGTERM], [signal.SIGINT], [signal.SIGTERM, signal.SIGTERM], [signal.SIGHUP]],
    ids=["sigterm", "ctrl-c", "sigterm-twice", "terminal-closed"],
)
def test_one_signal_to_the_group_ends_everything(
    tmp_path: Path, seed: Path, signals: list[signal.Signals]
) -> None:
    state = tmp_path / "state"
    process, _ = start(state, seed, "--no-seed")
    wait_ready(process, state, tmp_path / "state.log")
    seconds = stop_with(process, signals)
    print(f"\n{'+'.join(s.name for s in signals)}: every process gone after {seconds:.2f} s")
    assert seconds < STOP_DEADLINE
    assert not (state / "stack.json").exists()
    assert (state / "snapshot.pickle").exists()  # the session's content is kept
    assert "local stack stopped" in (tmp_path / "state.log").read_text(errors="replace")


def test_ready_means_settled_and_the_next_start_restores_the_snapshot(
    tmp_path: Path, seed: Path
) -> None:
    state, log = tmp_path / "state", tmp_path / "state.log"
    process, started = start(state, seed)
    info = wait_ready(process, state, log)
    fresh = time.monotonic() - started
    pages = {slug: json.loads(get(f"{info['api_url']}/articles/{slug}")[2]) for slug in ARTICLES}
    assert any(page["related"] for page in pages.values())  # settled before the banner
    stop_with(process, [signal.SIGTERM])
    assert (state / "snapshot.pickle").exists()

    process, started = start(state, seed)
    info = wait_ready(process, state, log)
    restored = time.monotonic() - started
    print(f"\nready: fresh {fresh:.1f} s, restored {restored:.1f} s ({fresh / restored:.1f}×)")
    try:
        assert info["seed"] == {"restored": str(state / "snapshot.pickle")}
        for slug, page in pages.items():
            status, _, body = get(f"{info['api_url']}/articles/{slug}")
            assert status == 200
            assert json.loads(body)["related"] == page["related"]
        # Triggers run after a restore: a new upload is published and related.
        s3 = boto3.client(
            "s3",
            endpoint_url=info["aws_endpoint_url"],
            region_name=info["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # pragma: allowlist secret
        )
        text = (seed / "articles" / f"{ARTICLES[0]}.md").read_bytes()
        s3.put_object(Bucket=info["content_bucket"], Key="articles/boliger-igen.md", Body=text)
        deadline = time.monotonic() + 60
        page: dict[str, Any] = {}
        while time.monotonic() < deadline and not page.get("related"):
            status, _, body = get(f"{info['api_url']}/articles/boliger-igen")
            page = json.loads(body) if status == 200 else {}
            time.sleep(0.2)
        assert page.get("related"), "an upload after the restore got no related teasers"
    finally:
        stop_with(process, [signal.SIGINT])

    process, _ = start(state, seed, "--fresh", "--no-seed")
    info = wait_ready(process, state, log)
    try:
        status, _, body = get(f"{info['api_url']}/articles?limit=50")
        assert status == 200
        assert json.loads(body)["items"] == []  # FRESH=1: the snapshot was discarded
    finally:
        stop_with(process, [signal.SIGTERM])
