"""DynamoDB calls of the stack's own process handed to moto's WSGI app without a socket.

Every handler runs in the stack's process, next to moto's server. Each of their DynamoDB
calls over loopback cost a TCP connection, a server thread and HTTP parsing on both sides:
about 1.5 ms of the ≈ 4 ms an UpdateItem took, and a fresh start makes some 4,000 of them.
Here botocore's `before-send` hands the request it signed and serialised (the same bytes it
would send) to the same WSGI app the server runs, under the same lock, and parses the same
response bytes. Only the transport differs; S3, SQS and every client of another process
still use HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.handlers import BUILTIN_HANDLERS
from moto.core.botocore_stubber import MockRawResponse
from werkzeug.test import EnvironBuilder

type WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_apps: dict[str, WsgiApp] = {}
_lock = threading.Lock()
# Only DynamoDB and its streams: JSON bodies, no streaming, no header-name subtleties.
_TARGETS = ("DynamoDB_", "DynamoDBStreams_")


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _body(request: AWSPreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    return bytes(body.read())


def _dispatch(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    """The response of the registered app the request is addressed to, else None (HTTP)."""
    target = _text(request.headers.get("X-Amz-Target", b""))
    if not target.startswith(_TARGETS):
        return None
    parts = urlsplit(request.url)
    base = f"{parts.scheme}://{parts.netloc}"
    app = _apps.get(base)
    if app is None:
        return None
    environ = EnvironBuilder(
        method=request.method,
        base_url=base,
        path=parts.path or "/",
        query_string=parts.query,
        headers=[(name, _text(value)) for name, value in request.headers.items()],
        data=_body(request),
    ).get_environ()
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started["status"], started["headers"] = int(status.split(" ", 1)[0]), headers

    body = b"".join(app(environ, start_response))
    headers = {name.lower(): value for name, value in started["headers"]}
    return AWSResponse(request.url, started["status"], headers, MockRawResponse(body))


def register(url: str, app: WsgiApp) -> None:
    """Serve DynamoDB requests to `url` (scheme://host:port) by calling `app` directly."""
    with _lock:
        _apps[url.rstrip("/")] = app


def unregister(url: str) -> None:
    """Send requests to `url` over HTTP again (the server stops)."""
    with _lock:
        _apps.pop(url.rstrip("/"), None)


# On every botocore session created from now on (boto3's default one included), as moto's own
# mock does; clients of other endpoints are not affected.
BUILTIN_HANDLERS.append(("before-send", _dispatch))
