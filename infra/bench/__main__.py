"""`make bench`: every figure in one run, each against a baseline measured in the same run.

Order: cold path, warm requests and DynamoDB requests per call, then the deployment package
size and the related-teaser growth figures (their own modules). Timings are printed, never
asserted; the machine is printed with them because the figures mean nothing without it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shlex
import sys
import time

from infra.bench import cold_start, warm
from infra.bench.common import machine

# Benchmarks owned by the features they measure, run after ours when present.
FEATURE_BENCHMARKS = (
    "infra.bench.imports",
    "infra.bench.package_size",
    "infra.bench.related",
    "infra.bench.capacity",
    "infra.bench.search",
    "infra.bench.hostile_uploads",
    "infra.bench.local_ready",
    "infra.bench.local_reads",
    "infra.bench.local_readers",
)


def main() -> None:
    """Run the benchmarks in order and print their figures."""
    parser = argparse.ArgumentParser(prog="python -m infra.bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="cold starts per side")
    parser.add_argument("--iterations", type=int, default=300, help="warm requests per side")
    parser.add_argument("--importtime", action="store_true", help="heaviest imports per side")
    arguments = parser.parse_args()
    started = time.monotonic()
    print(f"machine: {machine()}")
    print(f"command: python -m infra.bench {shlex.join(sys.argv[1:])}".rstrip())
    print()
    cold_start.main(arguments.runs, importtime=arguments.importtime)
    print()
    warm.main(arguments.iterations)
    for name in FEATURE_BENCHMARKS:
        print()
        if importlib.util.find_spec(name) is None:
            print(f"{name}: not present, skipped")
            continue
        importlib.import_module(name).main()
    print(f"\n(all benchmarks: {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
