"""API function: API Gateway (HTTP API v2 or REST v1) event → fast path, else FastAPI via Mangum.

The hot reads (`GET /articles`, `GET /articles/{slug}`) are answered by
`newsdesk.api.fastpath` without importing FastAPI, Starlette or Mangum; everything else goes
to the FastAPI app, built on first need. Under SnapStart the app is built during init, so it
is part of the snapshot rather than paid for by the first request after a restore.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.logging import correlation_paths

from newsdesk.api import fastpath
from newsdesk.api.methods import HEAD_MARK
from newsdesk.config import settings, validate_at_init
from newsdesk.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mangum import Mangum

# What this function needs beyond the Globals (checked against template.yaml by a test).
ENVIRONMENT = ("SES_SENDER", "EBOOK_TOKEN_SECRET", "API_BASE_PATH", "PREVIEW_TOKEN_SECRET")
validate_at_init(*ENVIRONMENT)


@cache
def asgi_adapter() -> Mangum:
    """The FastAPI app behind Mangum, created once per process on first use."""
    from mangum import Mangum  # noqa: PLC0415 - the fast path must not pay for the framework

    from newsdesk.api.app import create_app  # noqa: PLC0415

    return Mangum(create_app(), lifespan="off", api_gateway_base_path=settings().api_base_path)


def through_app(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer through the FastAPI app whatever the event (Mangum recognises both versions)."""
    # Mangum's own LambdaContext protocol is structurally the same object.
    response: dict[str, Any] = asgi_adapter()(event, cast(Any, context))
    return response


_REPEATED_SLASHES = re.compile(r"/{2,}")
# What Mangum can split into server and port (`host.split(":")`, then `int(port)`).
_SPLITTABLE_HOST = re.compile(r"[^:,]*(?::[0-9]{1,5})?")
_DIGITS = re.compile(r"[0-9]{1,5}")


def plain_host(event: dict[str, Any]) -> dict[str, Any]:
    """The event with a Host and X-Forwarded-Port that Mangum can parse.

    Mangum splits Host on ':' and int()s the port, so `[::1]`, `a:b:c` or a port that is
    not a number raised (a 500). API Gateway sends its own domain there; any other value is
    replaced by the request's domainName (or dropped), a non-numeric port is dropped.
    """
    context = event.get("requestContext")
    domain = context.get("domainName") if isinstance(context, dict) else None
    fallback = domain if isinstance(domain, str) and _SPLITTABLE_HOST.fullmatch(domain) else None
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field)
        if not isinstance(headers, dict):
            continue
        fixed: dict[Any, Any] = {}
        for name, value in headers.items():
            lower = name.lower() if isinstance(name, str) else name
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            if lower == "host" and not _SPLITTABLE_HOST.fullmatch(text):
                if fallback is not None:
                    fixed[name] = [fallback] if isinstance(value, list) else fallback
            elif lower != "x-forwarded-port" or _DIGITS.fullmatch(text):
                fixed[name] = value
        if fixed != headers:
            event = {**event, field: fixed}
    return event


def merge_slashes(event: dict[str, Any]) -> dict[str, Any]:
    """The event with runs of `/` in its path collapsed, as web servers do by default.

    `sam local generate-event apigateway http-api-proxy --path /articles` sends `//articles`;
    no route has an empty segment, so merging can only turn a 404 into the meant route.
    """
    request_context = event.get("requestContext")
    if isinstance(request_context, dict):
        http = request_context.get("http")
        if isinstance(http, dict) and isinstance(http.get("path"), str):
            merged = {**http, "path": _REPEATED_SLASHES.sub("/", http["path"])}
            event = {**event, "requestContext": {**request_context, "http": merged}}
    for field in ("path", "rawPath"):
        if isinstance(event.get(field), str):
            event = {**event, field: _REPEATED_SLASHES.sub("/", event[field])}
    return event


def as_get(event: dict[str, Any]) -> dict[str, Any] | None:
    """The GET event a HEAD request stands for; None for any other method.

    HTTP requires HEAD wherever GET works (RFC 9110, 9.3.2): CDNs, link checkers and
    browsers' prefetch send it. It is answered as the GET, without the content, and marked
    (`HEAD_MARK`) so that a GET with an effect (a download link's use) does not have it.
    """
    context = event.get("requestContext")
    context = context if isinstance(context, dict) else {}
    http = context.get("http")
    if isinstance(http, dict) and http.get("method") == "HEAD":
        return {
            **event,
            "requestContext": {**context, "http": {**http, "method": "GET"}},
            HEAD_MARK: True,
        }
    if event.get("httpMethod") == "HEAD":
        event = {**event, "httpMethod": "GET", HEAD_MARK: True}
        if "httpMethod" in context:
            event["requestContext"] = {**context, "httpMethod": "GET"}
        return event
    return None


def without_content(response: dict[str, Any]) -> dict[str, Any]:
    """The GET's answer to a HEAD: status and headers, no body (API Gateway sets the length)."""
    trimmed = {**response, "body": "", "isBase64Encoded": False}
    for field in ("headers", "multiValueHeaders"):
        headers = response.get(field)
        if isinstance(headers, dict):
            trimmed[field] = {k: v for k, v in headers.items() if k.lower() != "content-length"}
    return trimmed


def with_head_allowed(response: dict[str, Any]) -> dict[str, Any]:
    """A 405's `Allow` names HEAD wherever it names GET (HEAD is answered as GET)."""
    headers = response.get("headers")
    if response.get("statusCode") != 405 or not isinstance(headers, dict):
        return response
    allowed = {
        name: [m.strip() for m in value.split(",")]
        for name, value in headers.items()
        if name.lower() == "allow" and isinstance(value, str)
    }
    fixed = {
        name: ", ".join([*methods, "HEAD"])
        for name, methods in allowed.items()
        if "GET" in methods and "HEAD" not in methods
    }
    return {**response, "headers": {**headers, **fixed}} if fixed else response


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The fast path's answer when it has one, else the app's (the same answer, slower)."""
    event = plain_host(merge_slashes(event))
    get = as_get(event)
    request = get or event
    response = fastpath.answer(request, base_path=settings().api_base_path) or through_app(
        request, context
    )
    return without_content(response) if get is not None else with_head_allowed(response)


# Inits no request waits for: a SnapStart version's (run once, before the snapshot is taken)
# and provisioned concurrency's. An on-demand cold start keeps building the app lazily.
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in {"snap-start", "provisioned-concurrency"}:
    asgi_adapter()
