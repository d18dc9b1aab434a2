"""A stack started by a test run dies with it: a SIGKILLed starter leaves no stack behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# The starter: starts a long-lived child the way the test fixtures and `make load` start a
# stack (the environment names the starter; the child arms the signal itself, as the stack
# does first thing), prints the child's pid, then waits to be killed.
STARTER = """
import os, subprocess, sys, time
from infra.local.serving import child_environment
child = subprocess.Popen(
    [sys.executable, "-c", "from infra.local.serving import stop_with_parent as arm; "
     "arm(); print('armed', flush=True); import time; time.sleep(60)"],
    env=child_environment(dict(os.environ)) if sys.argv[1] == "guarded" else None,
    stdout=subprocess.PIPE, text=True,
)
child.stdout.readline()
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _orphan_after_killing_its_starter(mode: str, wait: float) -> int:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, mode], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert starter.stdout is not None
    child = int(starter.stdout.readline())
    assert _alive(child)
    starter.send_signal(signal.SIGKILL)
    starter.wait()
    deadline = time.monotonic() + wait
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    return child


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_killed_starter_takes_its_stack_along() -> None:
    assert not _alive(_orphan_after_killing_its_starter("guarded", wait=5))


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_stack_started_by_hand_outlives_its_shell() -> None:
    """Without the variable (`nohup make run &`) nothing changes: the stack stays."""
    child = _orphan_after_killing_its_starter("plain", wait=1)
    try:
        assert _alive(child)
    finally:
        os.kill(child, signal.SIGKILL)
