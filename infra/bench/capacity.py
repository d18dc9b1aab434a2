"""The CDN capacity model's inputs, measured here: warm request cost and DynamoDB items per
API call, then the model (docs/operations.md, "Capacity model") computed from them.

Run alone with `python -m infra.bench.capacity` (also part of `make bench`). Prices and the
page-view mix are the model's assumptions and are printed with it.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from typing import Any

from newsdesk import config
from newsdesk.dal import clients

from infra.bench.common import HEADERS, SLUG, LambdaContext, moto_stack
from infra.bench.warm import _environment
from infra.local.httpapi import request_event

# Assumptions (list prices at the time of writing; verify before relying on them).
PRICE_HTTPAPI = 1.00  # USD per million requests
PRICE_LAMBDA_REQUEST = 0.20  # USD per million invocations
PRICE_LAMBDA_GB_S = 0.0000133334  # arm64
PRICE_DYNAMODB_READ = 0.25  # USD per million read request units (on demand)
PRICE_CLOUDFRONT_REQUEST = 1.20  # USD per million HTTPS requests, Europe
MEMORY_GB = 0.5
API_REQUESTS_PER_PAGE_VIEW = 1.0  # an article page or a list page is one API call
HIT_RATIOS = (0.0, 0.9, 0.95, 0.99)
PEAK_PAGE_VIEWS_PER_S = 2000.0  # a viral article shared by a national site
# One Query is billed by the bytes it reads: a page (≤ 3 items) or a list page stays under
# 8 KB, one read unit at eventual consistency.
READ_UNITS_PER_CALL = 1.0


def _items(parsed: dict[str, Any]) -> int:
    if "Items" in parsed:
        return len(parsed["Items"])
    return 1 if parsed.get("Item") else 0


def measure(iterations: int) -> dict[str, Any]:
    """Warm median of GET /articles/{slug} and items/requests per API call."""
    with moto_stack() as stack, _environment(stack.env):
        config.settings.cache_clear()
        clients.reset()
        handler = importlib.import_module("newsdesk.handlers.api").handler
        counted = {"requests": 0, "items": 0}

        def after(parsed: dict[str, Any], **_: Any) -> None:
            counted["requests"] += 1
            counted["items"] += _items(parsed)

        clients.dynamodb().meta.events.register("after-call.dynamodb", after)
        page = request_event("GET", f"/articles/{SLUG}", headers=HEADERS)
        listing = request_event("GET", "/articles?limit=12", headers=HEADERS)
        timings = _warm_timings(handler, page, iterations)
        # A list also asks the go-live index when the next scheduled article is due (its
        # Cache-Control is capped there): one more one-item Query than a page.
        list_timings = _warm_timings(handler, listing, iterations)
        calls = {
            "GET /articles/{slug}": page,
            "GET /articles?limit=12": listing,
            "GET /articles?category=Bolig": request_event(
                "GET", "/articles?category=Bolig", headers=HEADERS
            ),
        }
        per_call = {}
        for label, event in calls.items():
            counted.update(requests=0, items=0)
            handler(event, LambdaContext())
            per_call[label] = dict(counted)
    return {
        "warm_ms": statistics.median(timings) * 1000,
        "list_warm_ms": statistics.median(list_timings) * 1000,
        "calls": per_call,
    }


def _warm_timings(handler: Any, event: dict[str, Any], iterations: int) -> list[float]:
    """Seconds per request after 20 warm-up requests, in one process."""
    for _ in range(20):
        handler(event, LambdaContext())
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        handler(event, LambdaContext())
        timings.append(time.perf_counter() - started)
    return timings


def model(warm_ms: float) -> list[str]:
    """Lines of the model: edge vs origin rate, concurrency, cost per million page views."""
    billed_ms = max(1.0, round(warm_ms))
    read_units = READ_UNITS_PER_CALL
    origin_cost = (
        PRICE_HTTPAPI
        + PRICE_LAMBDA_REQUEST
        + billed_ms / 1000 * MEMORY_GB * PRICE_LAMBDA_GB_S * 1e6
        + read_units * PRICE_DYNAMODB_READ
    )
    lines = [
        f"assumptions: {API_REQUESTS_PER_PAGE_VIEW:.0f} API call per page view, "
        f"{MEMORY_GB * 1024:.0f} MB arm64, billed {billed_ms:.0f} ms, "
        f"{read_units:.1f} read units per call, peak {PEAK_PAGE_VIEWS_PER_S:.0f} page views/s",
        f"origin cost per million API calls: ${origin_cost:.2f}; "
        f"CloudFront per million requests: ${PRICE_CLOUDFRONT_REQUEST:.2f}",
        f"  {'hit ratio':>9} {'origin req/s at peak':>21} {'Lambda concurrency':>19} "
        f"{'$ per million page views':>25}",
    ]
    for hit in HIT_RATIOS:
        origin_rps = PEAK_PAGE_VIEWS_PER_S * API_REQUESTS_PER_PAGE_VIEW * (1 - hit)
        concurrency = origin_rps * warm_ms / 1000
        edge = PRICE_CLOUDFRONT_REQUEST if hit > 0 else 0.0
        cost = API_REQUESTS_PER_PAGE_VIEW * (edge + (1 - hit) * origin_cost)
        label = "no CDN" if hit == 0 else f"{hit:.2f}"
        lines.append(f"  {label:>9} {origin_rps:21.0f} {concurrency:19.1f} {cost:25.2f}")
    return lines


def main(iterations: int = 300) -> dict[str, Any]:
    """Measure, print the inputs and the model."""
    figures = measure(iterations)
    print(f"Capacity model inputs: warm GET /articles/{{slug}}, {iterations} requests, one process")
    print(f"  median {figures['warm_ms']:.2f} ms per request (moto's server over loopback)")
    ratio = figures["list_warm_ms"] / figures["warm_ms"]
    print(
        f"  GET /articles?limit=12 (with the go-live index Query): median "
        f"{figures['list_warm_ms']:.2f} ms, {ratio:.2f}x the page"
    )
    print("  DynamoDB per API call: requests, items returned")
    for label, counted in figures["calls"].items():
        print(f"    {label:34}{counted['requests']:3d} {counted['items']:6d}")
    for line in model(figures["warm_ms"]):
        print(line)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=300)
    main(parser.parse_args().iterations)
