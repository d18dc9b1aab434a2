"""What the Tracer would cost: import time of Powertools' Tracer against what the functions
import for observability (Logger + Metrics), each in fresh interpreters, alternating."""

from __future__ import annotations

import json
import subprocess
import sys

from infra.bench.common import FUNCTIONS, median_ms

RUNS = 7
_MEASURE = """
import json, time
started = time.perf_counter()
{statement}
print(json.dumps(time.perf_counter() - started))
"""
SIDES = {
    "Logger + Metrics (what newsdesk imports)": (
        "from aws_lambda_powertools import Logger, Metrics; "
        "Logger(service='b'); Metrics(namespace='b')"
    ),
    "Logger + Metrics + Tracer (X-Ray SDK)": (
        "from aws_lambda_powertools import Logger, Metrics, Tracer; "
        "Logger(service='b'); Metrics(namespace='b'); Tracer(service='b')"
    ),
}


def _once(statement: str) -> float:
    output = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(statement=statement)],
        check=True,
        capture_output=True,
        text=True,
        cwd=FUNCTIONS,
    ).stdout
    elapsed: float = json.loads(output.strip().splitlines()[-1])
    return elapsed


def main() -> None:
    """Print the median import cost of each side and the Tracer's ratio."""
    samples: dict[str, list[float]] = {name: [] for name in SIDES}
    for _ in range(RUNS):
        for name, statement in SIDES.items():
            samples[name].append(_once(statement))
    medians = {name: median_ms(values) for name, values in samples.items()}
    baseline, with_tracer = medians.values()
    print(f"observability imports, fresh interpreter, median of {RUNS} (wall ms):")
    for name, value in medians.items():
        print(f"  {name:<42} {value:8.1f} ms")
    print(f"  ratio with Tracer / without: {with_tracer / baseline:.2f}")
