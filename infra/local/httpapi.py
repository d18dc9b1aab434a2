"""API Gateway HTTP API on loopback: each request becomes a payload-2.0 event for the
function whose HttpApi route takes it, and the function's answer becomes the response —
what `sam local start-api` does, without Docker.

CORS is the gateway's, as on AWS: the template's `CorsConfiguration` answers preflights
(the function never sees them) and replaces whatever CORS headers the function returns.
Until the stack is ready every request gets 503 with Retry-After.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra.local.functions import HttpRoute, InvocationError, LocalFunction
from infra.local.intrinsics import ACCOUNT_ID, Resolver
from infra.local.serving import BackgroundServer
from infra.template.reading import resources

log = logging.getLogger("local.api")

API_ID = "local"
_TEXTUAL = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "yaml")
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection"}
# The API function's route in template.yaml (`Events: Proxy: Type: HttpApi`), built as
# `function_specs` builds it, and the host of an HTTP API's own URL, for events made in code.
PROXY_ROUTE = HttpRoute(name="Proxy", method="ANY", path="/{proxy+}")
DEFAULT_HOST = "abc123.execute-api.eu-north-1.amazonaws.com"
# Hosts API Gateway could have been reached under (name or IPv4, optional port); anything else
# in a Host header is not put in the event's domainName.
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")
STARTING_RETRY_AFTER = "1"
# A reader's link token in a query: never written to the terminal's log (API Gateway's access
# log names `$context.path`, without the query, for the same reason).
_TOKEN_VALUE = re.compile(r"([?&]token=)[^&#]*", re.IGNORECASE)


def loggable(target: str) -> str:
    """Path and query as logged: the value of a `token` parameter left out."""
    return _TOKEN_VALUE.sub(r"\1…", target)


def _listed(config: dict[str, Any], name: str) -> tuple[str, ...]:
    value = config.get(name) or []
    return tuple(str(v) for v in ([value] if isinstance(value, str) else value))


@dataclass(frozen=True)
class Cors:
    """An HttpApi's CorsConfiguration, applied as API Gateway applies it."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_template(cls, resolver: Resolver) -> Cors | None:
        """The first HttpApi's CorsConfiguration (`true` allows everything), else None."""
        for resource in resources("AWS::Serverless::HttpApi", resolver.template).values():
            config = resolver.resolve(resource.get("Properties", {}).get("CorsConfiguration"))
            if config is True:
                return cls(("*",), ("*",), ("*",))
            if isinstance(config, dict):
                age = config.get("MaxAge")
                return cls(
                    allow_origins=_listed(config, "AllowOrigins"),
                    allow_methods=_listed(config, "AllowMethods"),
                    allow_headers=_listed(config, "AllowHeaders"),
                    expose_headers=_listed(config, "ExposeHeaders"),
                    max_age=None if age is None else int(age),
                    allow_credentials=bool(config.get("AllowCredentials", False)),
                )
        return None

    def allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for `origin`, or None when not allowed."""
        if origin is None:
            return None
        if "*" in self.allow_origins:
            return origin if self.allow_credentials else "*"
        return origin if origin.lower() in {o.lower() for o in self.allow_origins} else None

    def is_preflight(self, method: str, headers: dict[str, str]) -> bool:
        """OPTIONS with Origin and Access-Control-Request-Method: the gateway answers it."""
        return (
            method == "OPTIONS"
            and "origin" in headers
            and "access-control-request-method" in headers
        )

    def preflight(self, headers: dict[str, str]) -> list[tuple[str, str]]:
        """The 204's headers: none when the origin is not allowed."""
        origin = self.allowed_origin(headers.get("origin"))
        if origin is None:
            return []
        out = [("access-control-allow-origin", origin)]
        if self.allow_credentials:
            out.append(("access-control-allow-credentials", "true"))
        if self.allow_methods:
            out.append(("access-control-allow-methods", ",".join(self.allow_methods)))
        if self.allow_headers:
            out.append(("access-control-allow-headers", ",".join(self.allow_headers)))
        if self.max_age is not None:
            out.append(("access-control-max-age", str(self.max_age)))
        return out

    def response(
        self, headers: list[tuple[str, str]], request_headers: dict[str, str]
    ) -> list[tuple[str, str]]:
        """The integration's headers without its CORS headers, plus the configured ones."""
        kept = [(n, v) for n, v in headers if not n.lower().startswith("access-control-")]
        origin = self.allowed_origin(request_headers.get("origin"))
        if origin is None:
            return kept
        kept.append(("access-control-allow-origin", origin))
        if self.allow_credentials:
            kept.append(("access-control-allow-credentials", "true"))
        if self.expose_headers:
            kept.append(("access-control-expose-headers", ",".join(self.expose_headers)))
        return kept


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
    if not _HOSTNAME.fullmatch(host):
        host = "127.0.0.1"
    host = host.split(":")[0]
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


class GatewaySocketServer(ThreadingHTTPServer):
    """One thread per connection, and a listen backlog as deep as the system allows.

    API Gateway takes every reader's connection. Python's default backlog of 5 made Linux
    drop the SYNs of a burst of readers while the accept loop was busy: with 200 at once,
    some requests hung for a minute (tests/unit/test_local_gateway.py).
    """

    request_queue_size = socket.SOMAXCONN
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A reader that left before its answer is one log line, not a traceback on stderr."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.info("client %s left before its answer (%s)", client_address[0], error)
            return
        super().handle_error(request, client_address)


class HttpApiServer(BackgroundServer):
    """A threaded HTTP server in front of the functions with HttpApi events."""

    def __init__(
        self,
        host: str,
        port: int,
        functions: Iterable[LocalFunction],
        cors: Cors | None = None,
    ) -> None:
        routes = [(route, fn) for fn in functions for route in fn.spec.http]
        self.routes = sorted(routes, key=lambda pair: pair[0].specificity)
        self.cors = cors
        self.ready = threading.Event()
        self.server = GatewaySocketServer((host, port), self._handler_class())
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="http-api", daemon=True
        )

    def route(self, method: str, path: str) -> tuple[HttpRoute, LocalFunction, dict[str, str]]:
        """The most specific route that takes the request, or LookupError."""
        for route, function in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, function, params
        raise LookupError(path)

    def answer(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        protocol: str = "HTTP/1.1",
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """What API Gateway answers: 503 while starting, preflights, else the route's function."""
        lowered = {name.lower(): value for name, value in headers}
        if not self.ready.is_set():
            status, out, payload = (
                503,
                [("content-type", "application/json")],
                (b'{"message":"Service Unavailable: the local stack is starting"}'),
            )
            out.append(("retry-after", STARTING_RETRY_AFTER))
        elif self.cors is not None and self.cors.is_preflight(method, lowered):
            return 204, self.cors.preflight(lowered), b""
        else:
            status, out, payload = self._integrate(
                method, target, headers, body, source_ip, protocol
            )
        if self.cors is not None:
            out = self.cors.response(out, lowered)
        return status, out, payload

    def _integrate(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        protocol: str,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        try:
            route, function, params = self.route(method, unquote(urlsplit(target).path))
        except LookupError:
            return 404, [("content-type", "application/json")], b'{"message":"Not Found"}'
        event = http_api_event(
            method=method,
            target=target,
            headers=headers,
            body=body,
            source_ip=source_ip,
            route=route,
            path_parameters=params,
            protocol=protocol,
        )
        try:
            result = function.invoke(event, f"http {method} {loggable(target)}")
            status, out, payload = http_api_response(result)
        except InvocationError:
            status, out = 500, [("content-type", "application/json")]
            payload = b'{"message":"Internal Server Error"}'
        out.append(("apigw-requestid", event["requestContext"]["requestId"]))
        return status, out, payload

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "newsdesk-local"

            def handle_one(self) -> None:
                started = time.perf_counter()
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = api.answer(
                    self.command,
                    self.path,
                    list(self.headers.items()),
                    body,
                    self.client_address[0],
                    self.request_version,
                )
                self._send(status, headers, payload)
                elapsed = (time.perf_counter() - started) * 1000
                log.info("%s %s → %d (%.0f ms)", self.command, loggable(self.path), status, elapsed)

            def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                # Framing only where there is content: a HEAD's or a 304's Content-Length
                # must be the GET's full length or absent (RFC 9110, 8.6), never 0.
                framed = self.command != "HEAD" and status not in (204, 304)
                if framed:
                    self.send_header("content-length", str(len(payload)))
                self.end_headers()
                if framed:
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                """Access lines are logged by handle_one, with timings."""

            # Every method reaches the function, as API Gateway's `ANY` route passes them all:
            # the app answers what it does not serve (405), not the local server (501).
            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = handle_one
            do_TRACE = do_CONNECT = do_QUERY = handle_one

        return Handler
