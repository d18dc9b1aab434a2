"""The CDN capacity model's inputs, measured here: warm request cost and DynamoDB items per
API call, then the model (docs/operations.md, "Capacity model") computed from them.

Run alone with `python -m infra.bench.capacity` (also part of `make bench`). Prices and the
page-view mix are the model's assumptions and are printed with it.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import math
import statistics
import time
from typing import Any

from newsdesk import config
from newsdesk.dal import clients
from newsdesk.dal.articles import TEASER_FIELDS

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
# A Query is billed by the bytes it reads, summed over its items and rounded up to 4 KB;
# an eventually consistent read unit covers 4 KB twice (measured per call below).
READ_UNIT_BYTES = 4096
EVENTUAL_READ_UNIT = 0.5
# What a list item would hold if the list indexes projected the teaser only (INCLUDE):
# keys, teaser fields and the filter keys; the baseline of the list's read units.
_LIST_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK"}
TEASER_PROJECTION = frozenset({*_LIST_KEYS, *TEASER_FIELDS, "category_key", "author_key"})


def value_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for one attribute value (low-level form, as the client parses it)."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return (len(data.lstrip("-").replace(".", "").strip("0")) + 1) // 2 + 1
    if kind == "B":
        return len(data if isinstance(data, bytes) else base64.b64decode(data))
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in data.items())
    return sum(value_size({kind[0]: member}) for member in data)  # SS, NS, BS


def item_size(item: dict[str, Any], only: frozenset[str] | None = None) -> int:
    """Bytes of an item (attribute names plus values), optionally of some attributes only."""
    return sum(
        len(name.encode()) + value_size(value)
        for name, value in item.items()
        if only is None or name in only
    )


def read_units(sizes: list[int]) -> float:
    """Eventually consistent read units of one Query that read items of these sizes."""
    return math.ceil(sum(sizes) / READ_UNIT_BYTES) * EVENTUAL_READ_UNIT if sizes else 0.5


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
        counted = {"requests": 0, "items": 0, "bytes": 0, "units": 0.0, "teaser_units": 0.0}

        def after(parsed: dict[str, Any], **_: Any) -> None:
            items = parsed.get("Items", [parsed["Item"]] if parsed.get("Item") else [])
            counted["requests"] += 1
            counted["items"] += _items(parsed)
            counted["bytes"] += sum(item_size(item) for item in items)
            counted["units"] += read_units([item_size(item) for item in items])
            teaser_sizes = [item_size(item, TEASER_PROJECTION) for item in items]
            counted["teaser_units"] += read_units(teaser_sizes)

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
            counted.update(requests=0, items=0, bytes=0, units=0.0, teaser_units=0.0)
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


def model(warm_ms: float, units: float) -> list[str]:
    """Lines of the model: edge vs origin rate, concurrency, cost per million page views."""
    billed_ms = max(1.0, round(warm_ms))
    origin_cost = (
        PRICE_HTTPAPI
        + PRICE_LAMBDA_REQUEST
        + billed_ms / 1000 * MEMORY_GB * PRICE_LAMBDA_GB_S * 1e6
        + units * PRICE_DYNAMODB_READ
    )
    lines = [
        f"assumptions: {API_REQUESTS_PER_PAGE_VIEW:.0f} API call per page view, "
        f"{MEMORY_GB * 1024:.0f} MB arm64, billed {billed_ms:.0f} ms, "
        f"{units:.1f} read units per call, peak {PEAK_PAGE_VIEWS_PER_S:.0f} page views/s",
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
    print(
        "  DynamoDB per API call: requests, items returned, bytes read, read units "
        "(eventually consistent), and read units if the list indexes projected teasers only"
    )
    for label, counted in figures["calls"].items():
        # A page reads the table itself (its body is the answer): no index to project.
        teaser = (
            f"{counted['teaser_units']:6.1f} ({counted['units'] / counted['teaser_units']:.2f}x)"
            if "?" in label
            else "     -"
        )
        print(
            f"    {label:34}{counted['requests']:3d} {counted['items']:6d} "
            f"{counted['bytes']:8d} {counted['units']:6.1f} {teaser}"
        )
    page_units = figures["calls"]["GET /articles/{slug}"]["units"]
    for line in model(figures["warm_ms"], page_units):
        print(line)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=300)
    main(parser.parse_args().iterations)
