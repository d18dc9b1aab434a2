"""API Gateway HTTP API on loopback: each request becomes a payload-2.0 event for the
function whose HttpApi route takes it, and the function's answer becomes the response —
what `sam local start-api` does, without Docker.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra.local.functions import HttpRoute, InvocationError, LocalFunction
from infra.local.intrinsics import ACCOUNT_ID
from infra.local.serving import BackgroundServer

log = logging.getLogger("local.api")

API_ID = "local"
_TEXTUAL = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "yaml")
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}
# The API function's route in template.yaml (`Events: Proxy: Type: HttpApi`), built as
# `function_specs` builds it, and the host of an HTTP API's own URL, for events made in code.
PROXY_ROUTE = HttpRoute(name="Proxy", method="ANY", path="/{proxy+}")
DEFAULT_HOST = "abc123.execute-api.eu-north-1.amazonaws.com"


def http_api_event(
    *,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    source_ip: str,
    route: HttpRoute,
    path_parameters: dict[str, str],
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event for one request."""
    split = urlsplit(target)
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            merged[lower] = f"{merged[lower]},{value}" if lower in merged else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(split.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = time.time()
    request_id = base64.b32encode(uuid.uuid4().bytes).decode().rstrip("=")[:16]
    host = merged.get("host", "127.0.0.1")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": merged,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": unquote(split.path),
                "protocol": protocol,
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        content_type = merged.get("content-type", "").lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and (not content_type or any(t in content_type for t in _TEXTUAL)):
            event["body"] = text
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def request_event(
    method: str,
    target: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    source_ip: str = "192.0.2.10",
) -> dict[str, Any]:
    """`http_api_event` for a request the `ANY /{proxy+}` route takes, as tests and benchmarks
    send it: `target` is path and query as on the wire, Host defaults to `DEFAULT_HOST`."""
    given = list((headers or {}).items())
    if not any(name.lower() == "host" for name, _ in given):
        given.insert(0, ("host", DEFAULT_HOST))
    return http_api_event(
        method=method,
        target=target,
        headers=given,
        body=body,
        source_ip=source_ip,
        route=PROXY_ROUTE,
        path_parameters=PROXY_ROUTE.match(method, unquote(urlsplit(target).path)) or {},
    )


def http_api_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body from a payload-2.0 function result (either form)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # API Gateway's "no statusCode" form: the result itself is the JSON body.
        body = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], body.encode()
    headers = [
        (name, str(value))
        for name, value in (result.get("headers") or {}).items()
        if name.lower() not in _HOP_BY_HOP
    ]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("set-cookie", cookie) for cookie in result.get("cookies") or [])
    raw = result.get("body") or ""
    payload = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
    return int(result["statusCode"]), headers, payload


class HttpApiServer(BackgroundServer):
    """A threaded HTTP server in front of the functions with HttpApi events."""

    def __init__(self, host: str, port: int, functions: Iterable[LocalFunction]) -> None:
        routes = [(route, fn) for fn in functions for route in fn.spec.http]
        self.routes = sorted(routes, key=lambda pair: pair[0].specificity)
        self.server = ThreadingHTTPServer((host, port), self._handler_class())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="http-api")

    def route(self, method: str, path: str) -> tuple[HttpRoute, LocalFunction, dict[str, str]]:
        """The most specific route that takes the request, or LookupError."""
        for route, function in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, function, params
        raise LookupError(path)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "newsdesk-local"

            def handle_one(self) -> None:
                started = time.perf_counter()
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                try:
                    route, function, params = api.route(self.command, unquote(path))
                except LookupError:
                    self._send(
                        404, [("content-type", "application/json")], b'{"message":"Not Found"}'
                    )
                    return
                event = http_api_event(
                    method=self.command,
                    target=self.path,
                    headers=self.headers.items(),
                    body=body,
                    source_ip=self.client_address[0],
                    route=route,
                    path_parameters=params,
                    protocol=self.request_version,
                )
                try:
                    result = function.invoke(event, f"http {self.command} {self.path}")
                    status, headers, payload = http_api_response(result)
                except InvocationError:
                    status, headers = 500, [("content-type", "application/json")]
                    payload = b'{"message":"Internal Server Error"}'
                headers.append(("apigw-requestid", event["requestContext"]["requestId"]))
                self._send(status, headers, payload)
                elapsed = (time.perf_counter() - started) * 1000
                log.info("%s %s → %d (%.0f ms)", self.command, self.path, status, elapsed)

            def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD" and status not in (204, 304):
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Access lines are logged by handle_one, with timings."""

            # Every method reaches the function, as API Gateway's `ANY` route passes them all:
            # the app answers what it does not serve (405), not the local server (501).
            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = handle_one
            do_TRACE = do_CONNECT = do_QUERY = handle_one

        return Handler
