"""How long `make run` takes to its banner: a fresh start against a restored one, same run.

Each run starts `python -m infra.local` (ports 0, a private state folder) as `make run`
does and times it until `stack.json` appears, the stack's ready signal: for a fresh start,
all sample content published and every related list settled. The fresh and restored runs
alternate, so machine load hits both sides alike. `--calls` adds one fresh start in this
process with every SDK call counted by operation (the stack's and its functions').

    python -m infra.bench.local_ready [--runs 3] [--calls]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from botocore.handlers import BUILTIN_HANDLERS
from newsdesk.dal import clients

from infra.bench.common import ROOT, machine
from infra.local.serving import interrupt
from infra.local.stack import LocalStack, StackConfig

# The goal for a fresh start on this machine (seconds to the banner).
GOAL = 20.0


def ready_after(state_dir: Path, *, fresh: bool, timeout: float = 300.0) -> float:
    """Seconds from starting the stack to its `stack.json`; the stack is stopped after."""
    command = [sys.executable, "-m", "infra.local", "--api-port", "0", "--aws-port", "0"]
    command += ["--state-dir", str(state_dir), *(["--fresh"] if fresh else [])]
    ready = state_dir / "stack.json"
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not ready.exists():
            if process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"the stack did not get ready ({' '.join(command)})")
            time.sleep(0.02)
        return time.monotonic() - started
    finally:
        interrupt(process)


def sdk_calls() -> tuple[float, Counter[str]]:
    """One fresh start in this process: seconds to ready and SDK calls by operation."""
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    BUILTIN_HANDLERS.append(("before-call", count))
    boto3.setup_default_session()  # a session (and clients) made after the counter
    clients.reset()
    logging.disable(logging.INFO)
    try:
        # The functions' metrics (EMF) are printed; only the figures are wanted here.
        with tempfile.TemporaryDirectory() as state, contextlib.redirect_stdout(io.StringIO()):
            stack = LocalStack(StackConfig(aws_port=0, api_port=0, state_dir=Path(state)))
            started = time.monotonic()
            try:
                stack.start()
                return time.monotonic() - started, calls
            finally:
                stack.stop()
    finally:
        logging.disable(logging.NOTSET)
        BUILTIN_HANDLERS.remove(("before-call", count))


def main(runs: int = 1, *, count_calls: bool = False) -> None:
    """Print fresh and restored ready times (each run, median) and their ratio."""
    fresh: list[float] = []
    restored: list[float] = []
    with tempfile.TemporaryDirectory() as state:
        for _ in range(runs):
            fresh.append(ready_after(Path(state), fresh=True))
            restored.append(ready_after(Path(state), fresh=False))
    print(f"local stack ready time (python -m infra.local, {runs} run(s) each, alternating):")
    for name, values in (("fresh (sample content)", fresh), ("restored snapshot", restored)):
        each = ", ".join(f"{v:.1f}" for v in values)
        print(f"  {name:<24} median {statistics.median(values):5.1f} s   ({each})")
    ratio = statistics.median(fresh) / statistics.median(restored)
    verdict = "within" if statistics.median(fresh) <= GOAL else "over"
    print(f"  fresh / restored {ratio:.1f}×; fresh is {verdict} the {GOAL:.0f} s goal")
    if count_calls:
        seconds, calls = sdk_calls()
        top = ", ".join(f"{name} {n}" for name, n in calls.most_common(8))
        print(f"  one fresh start in-process: {seconds:.1f} s, {sum(calls.values())} SDK calls")
        print(f"    {top}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m infra.bench.local_ready", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="starts per side")
    parser.add_argument("--calls", action="store_true", help="count SDK calls by operation")
    arguments = parser.parse_args()
    print(f"machine: {machine()}")
    main(arguments.runs, count_calls=arguments.calls)
