"""Many readers at once on the local gateway: its listen backlog against Python's default of 5.

A viral article's readers open their connections together. The local gateway
(`infra/local/httpapi.py`) runs every invocation of a function on one thread, as one warm
Lambda container; while that thread holds the interpreter the accept loop falls behind, and
with a backlog of 5 Linux dropped the SYNs of the rest: their requests waited for TCP's
retransmits (1, 3, 7 … s) or timed out. Run alone with `python -m infra.bench.local_readers`
(also part of `make bench`): the same readers against the same gateway, default backlog
first, then the gateway's own, in one run. The function is a stand-in that holds the
interpreter for a few milliseconds per request, as the API handler does.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from infra.local import httpapi
from infra.local.functions import FunctionSpec, HttpRoute, LocalFunction

BUSY_SECONDS = 0.004


def _busy_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Holds the interpreter as a handler serialising JSON does."""
    until = time.perf_counter() + BUSY_SECONDS
    while time.perf_counter() < until:
        pass
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


def _readers(url: tuple[str, int], readers: int, requests: int, timeout: float) -> dict[str, Any]:
    """Each reader opens its own connection and sends `requests` GETs over it."""
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Event()

    def read() -> None:
        start.wait()
        connection = http.client.HTTPConnection(*url, timeout=timeout)
        for _ in range(requests):
            began = time.perf_counter()
            try:
                connection.request("GET", "/articles/x")
                answer = connection.getresponse()
                answer.read()
                outcome = str(answer.status)
            except OSError as error:
                outcome = type(error).__name__
                connection.close()
            with lock:
                outcomes[outcome] += 1
                latencies.append(time.perf_counter() - began)
        connection.close()

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start.set()
    for thread in threads:
        thread.join()
    return {
        "outcomes": dict(outcomes),
        "seconds": time.perf_counter() - began,
        "p50_ms": statistics.median(latencies) * 1000,
        "max_ms": max(latencies) * 1000,
    }


def _run(backlog: int, readers: int, requests: int, timeout: float) -> dict[str, Any]:
    spec = FunctionSpec("Api", "-", Path.cwd(), {}, http=[HttpRoute("Proxy", "ANY", "/{proxy+}")])
    function = LocalFunction(spec, "eu-north-1")
    function.handler = _busy_handler
    original = httpapi.GatewaySocketServer.request_queue_size
    httpapi.GatewaySocketServer.request_queue_size = backlog
    try:
        gateway = httpapi.HttpApiServer("127.0.0.1", 0, [function])
    finally:
        httpapi.GatewaySocketServer.request_queue_size = original
    gateway.ready.set()
    gateway.start()
    try:
        address: Any = gateway.server.server_address
        return _readers((str(address[0]), int(address[1])), readers, requests, timeout)
    finally:
        gateway.stop()
        function.shutdown()


def main(readers: int = 200, requests: int = 3, timeout: float = 20.0) -> dict[str, Any]:
    """Print answered and failed requests, median and worst latency, for both backlogs."""
    ours = httpapi.GatewaySocketServer.request_queue_size
    figures = {
        "backlog 5 (Python's default)": _run(5, readers, requests, timeout),
        f"backlog {ours} (the gateway's)": _run(ours, readers, requests, timeout),
    }
    print(
        f"local gateway, {readers} readers at once × {requests} requests each, "
        f"{BUSY_SECONDS * 1000:.0f} ms handler, {timeout:.0f} s client timeout"
    )
    print(f"  {'listen backlog':32}{'outcomes':>28}{'p50 ms':>9}{'max ms':>9}{'req/s':>8}")
    for label, run in figures.items():
        rate = readers * requests / run["seconds"]
        outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(run["outcomes"].items()))
        print(f"  {label:32}{outcomes:>28}{run['p50_ms']:9.0f}{run['max_ms']:9.0f}{rate:8.1f}")
    baseline, gateway = figures.values()
    print(f"  worst latency: {gateway['max_ms'] / baseline['max_ms']:.2f}x the default backlog's")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--requests", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.readers, arguments.requests)
