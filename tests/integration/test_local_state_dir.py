"""Two `make run`s on one state directory, or on a taken port: the second says why and
exits 1, and leaves the first one's stack.json and snapshot alone."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.stack import LocalStack, MotoServer, StackConfig, StateDirInUseError
from infra.template.reading import TEMPLATE_PATH

REPO = TEMPLATE_PATH.parent


def _stack(state: Path) -> LocalStack:
    return LocalStack(StackConfig(state_dir=state, aws_port=0, api_port=0, seed_dir=None))


def test_a_second_stack_on_the_same_state_dir_is_refused_and_touches_nothing(
    tmp_path: Path,
) -> None:
    first, second = _stack(tmp_path), _stack(tmp_path)
    first.lock_state_dir()
    (tmp_path / "stack.json").write_text('{"pid": 1}', encoding="utf-8")
    (tmp_path / "snapshot.pickle").write_bytes(b"the first stack's content")

    with pytest.raises(StateDirInUseError, match=f"pid {os.getpid()}"):
        second.lock_state_dir()
    second.stop()  # what main's `finally` does after the refusal

    assert (tmp_path / "stack.json").read_text(encoding="utf-8") == '{"pid": 1}'
    assert (tmp_path / "snapshot.pickle").read_bytes() == b"the first stack's content"
    first.stop()
    assert not (tmp_path / "stack.json").exists()
    second.lock_state_dir()  # free again once the first has stopped
    second.stop()


def test_the_lock_goes_with_the_process_however_it_ends(tmp_path: Path) -> None:
    """A killed stack (SIGKILL, a crash) leaves no lock behind: the kernel drops it."""
    script = (
        "import os, sys; from pathlib import Path; "
        "from infra.local.stack import LocalStack, StackConfig; "
        f"LocalStack(StackConfig(state_dir=Path({str(tmp_path)!r}), seed_dir=None))"
        ".lock_state_dir(); os._exit(9)"
    )
    killed = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, check=False, capture_output=True, text=True
    )
    assert killed.returncode == 9, killed.stderr[-2000:]  # it held the lock when it ended
    assert (tmp_path / "stack.lock").read_text(encoding="utf-8").strip().isdigit()
    stack = _stack(tmp_path)
    stack.lock_state_dir()
    stack.stop()


def test_a_taken_moto_port_is_an_address_in_use_error() -> None:
    """werkzeug exits the process (status 0 through main's finally) unless we catch it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use") as raised:
            MotoServer("127.0.0.1", port)
    assert raised.value.errno == errno.EADDRINUSE


def _make_run(state_dir: Path) -> subprocess.CompletedProcess[str]:
    """`make run` on `state_dir` in a child process, to its exit (these tests expect one)."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "infra.local", "--state-dir", str(state_dir)),
            *("--api-port", "0", "--aws-port", "0", "--no-seed"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_run_exits_1_with_a_message_when_the_state_dir_is_taken(tmp_path: Path) -> None:
    holder = _stack(tmp_path)
    holder.lock_state_dir()
    try:
        result = _make_run(tmp_path)
    finally:
        holder.stop()
    assert result.returncode == 1, result.stderr[-2000:]
    assert "another local stack" in result.stderr
    assert "--state-dir" in result.stderr


def test_make_run_exits_1_with_a_message_when_the_state_dir_cannot_be_written(
    tmp_path: Path,
) -> None:
    """Any other OS error while starting (a full disk, a path through a file) used to end the
    process silently with status 0: main's `finally` exits before the traceback prints."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    result = _make_run(tmp_path / "a-file" / "x")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "error: the local stack could not start" in result.stderr
    assert "Not a directory" in result.stderr
