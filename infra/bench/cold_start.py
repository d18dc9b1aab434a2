"""Cold path: a fresh Python process imports the API handler and answers one GET /articles/{slug}.

The baseline (`infra.bench.baseline`: Powertools' resolver + boto3 + pydantic) serves the same
article from the same moto table in the same way; `infra.bench.fastapi_floor` does the same on
FastAPI + Mangum, to show what the framework alone costs. The handler answers that GET on its
fast path (no FastAPI); a fourth side shows what a cold start costs when the first request is
one the FastAPI app answers (`GET /ebooks`). Runs rotate so drift hits all sides alike; bytecode
is compiled once into a private cache before timing, as any deployed interpreter would have it.
`python -m infra.bench.cold_start --importtime` also prints the heaviest imports of each side
(`python -X importtime`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra.bench.common import (
    FUNCTIONS,
    HEADERS,
    ROOT,
    SLUG,
    Stack,
    median_ms,
    moto_stack,
    python,
)
from infra.local.httpapi import request_event

OURS = "newsdesk.handlers.api"
BASELINE = "infra.bench.baseline"
FLOOR = "infra.bench.fastapi_floor"
# (label, module, path of the first request)
SIDES = (
    ("newsdesk (fast path)", OURS, f"/articles/{SLUG}"),
    ("FastAPI + Mangum, nothing else", FLOOR, f"/articles/{SLUG}"),
    ("baseline (Powertools resolver)", BASELINE, f"/articles/{SLUG}"),
    ("newsdesk, GET /ebooks (FastAPI app)", OURS, "/ebooks"),
)

# Runs in the fresh process: time the import and the first request, report them on stdout.
_CHILD = """
import time
started = time.perf_counter()
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
imported = time.perf_counter()

class Context:
    function_name = "newsdesk-bench-ApiFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:newsdesk-bench"
    memory_limit_in_mb = 512
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/newsdesk-bench-ApiFunction"
    log_stream_name = "2026/11/20/[$LATEST]bench"
    def get_remaining_time_in_millis(self):
        return 10000

response = module.handler(json.loads(sys.argv[2]), Context())
answered = time.perf_counter()
print("BENCH " + json.dumps({
    "answered_at": time.monotonic(),
    "cpu_s": time.process_time(),
    "import_s": imported - started,
    "request_s": answered - imported,
    "status": response["statusCode"],
    "body": response.get("body"),
}))
"""


@dataclass
class Side:
    """Samples of one side: a handler module answering its first request in a fresh process."""

    label: str
    module: str
    path: str
    wall: list[float] = field(default_factory=list)
    imports: list[float] = field(default_factory=list)
    request: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    body: str | None = None


def _sides() -> list[Side]:
    return [Side(label, module, path) for label, module, path in SIDES]


def _child_env(stack: Stack, pycache: Path) -> dict[str, str]:
    """A clean environment: the function's variables, the SDK endpoint, a private bytecode cache."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{FUNCTIONS}{os.pathsep}{ROOT}",
        "PYTHONPYCACHEPREFIX": str(pycache),
        **stack.env,
    }


def _run(side: Side, env: dict[str, str], *, record: bool = True) -> None:
    event = json.dumps(request_event("GET", side.path, headers=HEADERS))
    spawned = time.monotonic()  # CLOCK_MONOTONIC is system-wide: comparable with the child's
    done = subprocess.run(
        [python(), "-c", _CHILD, side.module, event],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{side.module} failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(lines[-1].removeprefix("BENCH "))
    if result["status"] != 200:
        raise RuntimeError(f"{side.module} answered {result['status']}: {result['body']}")
    side.body = result["body"]
    if record:
        side.wall.append(result["answered_at"] - spawned)
        side.imports.append(result["import_s"])
        side.request.append(result["request_s"])
        side.cpu.append(result["cpu_s"])


def _importtime(module: str, env: dict[str, str], top: int = 12) -> list[str]:
    """The heaviest imports (cumulative microseconds) of one side's handler module."""
    done = subprocess.run(
        [python(), "-X", "importtime", "-c", f"import {module}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1000:7.1f} ms {name}" for us, name in rows[:top]]


def _measure(env: dict[str, str], runs: int) -> list[Side]:
    """Every side `runs` times, rotating the order so drift hits all alike."""
    sides = _sides()
    for index in range(runs):
        turn = index % len(sides)
        for side in sides[turn:] + sides[:turn]:
            _run(side, env)
    return sides


def _forget_package_bytecode(cache: Path) -> None:
    """Drop the cached bytecode of everything a deployment package holds; keep the stdlib's.

    The package `sam build` makes has no `__pycache__` and Lambda's code directory is read
    only, so the function compiles its dependencies from source on every cold start, while
    the runtime's standard library comes compiled.
    """
    for directory in (sysconfig.get_paths()["purelib"], FUNCTIONS, ROOT / "infra"):
        shutil.rmtree(cache / Path(directory).resolve().relative_to("/"), ignore_errors=True)


def _print(title: str, sides: list[Side]) -> dict[str, float]:
    ours, floor, base, app = sides
    figures = {
        "ours_ms": median_ms(ours.wall),
        "base_ms": median_ms(base.wall),
        "ours_cpu_ms": median_ms(ours.cpu),
        "floor_cpu_ms": median_ms(floor.cpu),
        "base_cpu_ms": median_ms(base.cpu),
        "app_cpu_ms": median_ms(app.cpu),
    }
    figures["ratio"] = figures["ours_ms"] / figures["base_ms"]
    figures["ratio_cpu"] = figures["ours_cpu_ms"] / figures["base_cpu_ms"]
    figures["ratio_app_cpu"] = figures["app_cpu_ms"] / figures["base_cpu_ms"]
    print(title)
    print(f"  {'medians':38}{'spawn→answer':>14}{'CPU':>10}{'import':>10}{'1st req':>10}")
    for side in sides:
        print(
            f"  {side.label:38}{median_ms(side.wall):12.1f}ms{median_ms(side.cpu):8.1f}ms"
            f"{median_ms(side.imports):8.1f}ms{median_ms(side.request):8.1f}ms"
        )
    print(
        f"  ratio newsdesk/baseline: {figures['ratio']:.2f} wall, {figures['ratio_cpu']:.2f} CPU"
        " (target <= 1.10, aim <= 1.00)"
    )
    print(
        f"  FastAPI's own floor/baseline: {figures['floor_cpu_ms'] / figures['base_cpu_ms']:.2f}"
        f" CPU; a first request the app answers/baseline: {figures['ratio_app_cpu']:.2f} CPU"
    )
    return figures


def main(runs: int = 10, *, importtime: bool = False) -> dict[str, float]:
    """Cold paths with compiled bytecode, then as the deployment package ships (source only)."""
    with moto_stack() as stack, tempfile.TemporaryDirectory(prefix="bench-pyc-") as scratch:
        cache = Path(scratch)
        env = _child_env(stack, cache)
        for side in _sides():  # compile bytecode once, untimed
            _run(side, env, record=False)
        compiled = _measure(env, runs)
        if importtime:
            for module in (OURS, FLOOR, BASELINE):
                print(f"  heaviest imports of {module} (cumulative):")
                for row in _importtime(module, env):
                    print(f"    {row}")
        _forget_package_bytecode(cache)
        source = _measure(env | {"PYTHONDONTWRITEBYTECODE": "1"}, max(3, runs // 2))
    bodies = {
        json.dumps(json.loads(s.body or "null"), sort_keys=True)
        for s in compiled + source
        if s.path.startswith("/articles/")
    }
    headline = f"fresh process, import + one GET /articles/{{slug}}, {runs} runs each"
    figures = _print(f"Cold path with bytecode compiled: {headline}", compiled)
    plain = _print(
        f"Cold path as the package ships (no __pycache__: compiled on every cold start), "
        f"{max(3, runs // 2)} runs each",
        source,
    )
    figures |= {f"source_{name}": value for name, value in plain.items()}
    print(f"  same article JSON from every side: {'yes' if len(bodies) == 1 else 'NO'}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--importtime", action="store_true")
    arguments = parser.parse_args()
    main(arguments.runs, importtime=arguments.importtime)
