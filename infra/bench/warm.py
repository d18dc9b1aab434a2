"""Warm requests: the same GET through the API handler (its fast path), through the FastAPI app
behind Mangum (what every other request takes) and through the Powertools baseline, many times
in one process; and how many DynamoDB requests each API call makes.

DynamoDB time (moto's server over loopback) is measured apart with botocore's event hooks,
so the figure "without DynamoDB" is what the framework, validation and JSON cost per request.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from newsdesk import config
from newsdesk.dal import clients

from infra.bench.common import HEADERS, SLUG, LambdaContext, median_ms, moto_stack
from infra.local.httpapi import request_event

type Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class Meter:
    """Counts a client's HTTP requests to DynamoDB and the time spent in its API calls."""

    requests: int = 0
    seconds: float = 0.0
    _started: list[float] = field(default_factory=list)

    def attach(self, client: Any) -> None:
        """Hook into the client's events (requests are counted per HTTP send, retries too)."""
        events = client.meta.events
        events.register("before-send.dynamodb", self._sent)
        events.register("before-call.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def _sent(self, **_: Any) -> None:
        self.requests += 1

    def _before(self, **_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """The function's environment for this process, restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _sample(handler: Handler, meter: Meter, event: dict[str, Any]) -> tuple[float, float, int]:
    """Seconds of one request, seconds of it outside DynamoDB, DynamoDB requests made."""
    requests, in_dynamodb = meter.requests, meter.seconds
    started = time.perf_counter()
    response = handler(event, LambdaContext())
    elapsed = time.perf_counter() - started
    if response["statusCode"] >= 400:
        raise RuntimeError(f"{event['rawPath']} answered {response['statusCode']}")
    return elapsed, elapsed - (meter.seconds - in_dynamodb), meter.requests - requests


def main(iterations: int = 300) -> dict[str, float]:
    """Alternate batches of both handlers; print medians, the ratio and request counts."""
    with moto_stack() as stack, _environment(stack.env):
        config.settings.cache_clear()
        clients.reset()
        ours_module = importlib.import_module("newsdesk.handlers.api")
        base_module = importlib.import_module("infra.bench.baseline")
        ours_meter, base_meter = Meter(), Meter()
        ours_meter.attach(clients.dynamodb())
        base_meter.attach(base_module.dynamodb)
        ours: Handler = ours_module.handler
        app: Handler = ours_module.through_app
        base: Handler = base_module.handler
        event = request_event("GET", f"/articles/{SLUG}", headers=HEADERS)
        sides = [("ours", ours, ours_meter), ("app", app, ours_meter), ("base", base, base_meter)]
        for _, handler, meter in sides:  # warm all up
            for _ in range(20):
                _sample(handler, meter, event)
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _, _ in sides}
        batch = 25
        for index in range(max(1, iterations // batch)):
            turn = index % len(sides)
            for name, handler, meter in sides[turn:] + sides[:turn]:
                samples[name].extend(_sample(handler, meter, event) for _ in range(batch))
        etag = ours(event, LambdaContext())["headers"]["etag"]
        calls = {
            "GET /articles/{slug}": event,
            "GET /articles/{slug} (If-None-Match → 304)": request_event(
                "GET", f"/articles/{SLUG}", headers={**HEADERS, "if-none-match": etag}
            ),
            "GET /articles (first page)": request_event(
                "GET", "/articles?limit=12", headers=HEADERS
            ),
            "GET /articles?category=": request_event(
                "GET", "/articles?category=Bolig", headers=HEADERS
            ),
            "GET /articles?tag=": request_event("GET", "/articles?tag=Inklusion", headers=HEADERS),
        }
        counted = {label: _sample(ours, ours_meter, e) for label, e in calls.items()}

    figures = {
        f"{name}_{what}_ms": median_ms([s[column] for s in samples[name]])
        for name in samples
        for column, what in ((0, "total"), (1, "framework"))
    }
    for name in ("ours", "app"):
        figures[f"ratio_{name}_total"] = figures[f"{name}_total_ms"] / figures["base_total_ms"]
        figures[f"ratio_{name}_framework"] = (
            figures[f"{name}_framework_ms"] / figures["base_framework_ms"]
        )
    print(f"Warm GET /articles/{{slug}}: {len(samples['ours'])} requests each, one process")
    print(f"  {'medians':38}{'per request':>14}{'without DynamoDB':>18}")
    labels = {
        "ours": "newsdesk handler (fast path)",
        "app": "newsdesk FastAPI app via Mangum",
        "base": "baseline (Powertools)",
    }
    for name, label in labels.items():
        print(
            f"  {label:38}{figures[f'{name}_total_ms']:12.2f}ms"
            f"{figures[f'{name}_framework_ms']:16.2f}ms"
        )
    for name in ("ours", "app"):
        print(
            f"  ratio {labels[name]}/baseline: {figures[f'ratio_{name}_total']:.2f} per request, "
            f"{figures[f'ratio_{name}_framework']:.2f} without DynamoDB"
        )
    print("DynamoDB requests per API call (botocore before-send events)")
    for label, (elapsed, _, requests) in counted.items():
        print(f"  {label:44}{requests:3d}   ({elapsed * 1000:.1f} ms)")
        figures[f"requests {label}"] = requests
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=300)
    main(parser.parse_args().iterations)
