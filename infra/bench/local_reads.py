"""API reads on the seeded local stack: its Query patch against moto's own Query, same run.

moto's Query sorts the whole table before it looks at one partition, so every read on a
long-running `make run` got slower as the table grew; `infra/local/motopatch.py` scopes a
Query to what it can return. Run alone with `python -m infra.bench.local_reads` (also part
of `make bench`): it starts a private stack in this process (fresh, sample content), then
alternates the two Query implementations over the same requests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from infra.local import motopatch
from infra.local.stack import LocalStack, StackConfig

PATHS = ("/articles/inklusion-i-praksis", "/articles?limit=12", "/search?q=bolig")


def _per_request_ms(base: str, path: str, requests: int) -> float:
    for _ in range(10):
        urllib.request.urlopen(base + path).read()
    started = time.perf_counter()
    for _ in range(requests):
        urllib.request.urlopen(base + path).read()
    return (time.perf_counter() - started) * 1000 / requests


def main(requests: int = 100, rounds: int = 2) -> dict[str, dict[str, float]]:
    """Print per-request milliseconds for each path, patched and moto's own, and the ratio."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-reads-") as scratch:
        stack = LocalStack(StackConfig(aws_port=0, api_port=0, state_dir=Path(scratch)))
        stack.start()
        try:
            base = json.loads((Path(scratch) / "stack.json").read_text())["api_url"]

            def measure() -> dict[str, float]:
                return {path: _per_request_ms(base, path, requests) for path in PATHS}

            patched: dict[str, list[float]] = {path: [] for path in PATHS}
            original: dict[str, list[float]] = {path: [] for path in PATHS}
            for _ in range(rounds):
                for path, ms in measure().items():
                    patched[path].append(ms)
                with motopatch.moto_query():
                    for path, ms in measure().items():
                        original[path].append(ms)
        finally:
            stack.stop()
    print(f"local stack API reads, seeded, {requests} sequential requests × {rounds} rounds")
    print(f"  {'request':34}{'patched':>10}{'moto own':>10}{'ratio':>8}")
    figures = {}
    for path in PATHS:
        ours, theirs = statistics.median(patched[path]), statistics.median(original[path])
        figures[path] = {"patched_ms": ours, "moto_ms": theirs}
        print(f"  GET {path:30}{ours:8.1f}ms{theirs:8.1f}ms{ours / theirs:7.2f}×")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    main(arguments.requests, arguments.rounds)
