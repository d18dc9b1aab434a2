"""RFC 9457 problem details: the one shape of every error the API returns.

The documents are built without FastAPI (`problem_body`, `problem_headers`): the API
function's fast path renders its problems with them and must not load the framework, so
`problem_response` and `install`, which only the FastAPI app calls, import it on use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from newsdesk.dal.clients import overloaded

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://newsdesk.example/problems/"


class FieldError(BaseModel):
    """One invalid input: where it is and what is wrong with it."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document with a stable `type` per kind of error."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raised by routes to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.code, self.title, self.detail = status, code, title, detail
        self.headers = headers or {}


_TITLES = {
    400: ("bad-request", "Bad request"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("too-many-requests", "Too many requests"),
    503: ("service-unavailable", "Service unavailable"),
}

# Seconds a client should wait after a 503 for AWS throttling: DynamoDB's on-demand capacity
# and adaptive partitioning catch up within seconds, and the SDK has already retried.
OVERLOAD_RETRY_AFTER = "5"
OVERLOAD_DESCRIPTION = "Busy: AWS throttled a call; retry after Retry-After seconds"


def overload_problem(error: BaseException) -> ProblemError | None:
    """The 503 for an error that is AWS shedding load (logged as such), else None.

    A viral article can push DynamoDB (or Secrets Manager, SES) into throttling; the
    reader then gets "try again in a few seconds", not a 500 that reads as a bug.
    """
    if not overloaded(error):
        return None
    from newsdesk.observability import logger  # noqa: PLC0415 - only on the error path

    logger.warning("AWS throttled or unavailable", extra={"error": repr(error)[:300]})
    code, title = _TITLES[503]
    return ProblemError(
        503,
        code,
        title,
        "The service is busy. Try again in a few seconds.",
        headers={"Retry-After": OVERLOAD_RETRY_AFTER},
    )


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: list[FieldError] | None = None,
) -> bytes:
    """The problem document as compact UTF-8 JSON (the encoding of Starlette's JSONResponse)."""
    document = Problem(
        type=PROBLEM_BASE + code,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )
    return json.dumps(
        document.model_dump(exclude_none=True),
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    ).encode()


def problem_headers(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers of every problem: never cached, plus the error's own (e.g. Retry-After)."""
    return {"Cache-Control": "no-store", **(extra or {})}


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a problem document with the problem media type and no caching."""
    from starlette.responses import Response  # noqa: PLC0415 - see the module docstring

    return Response(
        problem_body(status, code, title, detail, instance=request.url.path, errors=errors),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem_headers(headers),
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    """Pydantic's error location as a dotted field path, without the 'body'/'query' root."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts)


# Pydantic's prefixes say which kind of check failed; the reader wants only the message.
_MESSAGE_PREFIXES = ("Value error, ", "Assertion failed, ")


def _message(error: Mapping[str, Any]) -> str:
    """The validation message without pydantic's "Value error, " style prefix."""
    message = str(error.get("msg", "invalid"))
    for prefix in _MESSAGE_PREFIXES:
        message = message.removeprefix(prefix)
    return message


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request, fallback: str) -> str:
    """Every method some route takes at this path (Starlette names only the first route's).

    Asked of the routes themselves, method by method, so included routers count too.
    """
    from starlette.routing import Match  # noqa: PLC0415 - see the module docstring

    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed) or fallback


def install(app: FastAPI) -> None:
    """Route every error (ours, validation, routing, unexpected) to a problem document."""
    from fastapi.exceptions import RequestValidationError  # noqa: PLC0415 - module docstring
    from starlette.exceptions import HTTPException as StarletteHTTPException  # noqa: PLC0415

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(
            request, exc.status, exc.code, exc.title, exc.detail, headers=exc.headers
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            FieldError(field=_location(e.get("loc", ())), message=_message(e)) for e in exc.errors()
        ]
        return problem_response(
            request,
            422,
            "validation-error",
            "Invalid request",
            "One or more fields are invalid.",
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code, title = _TITLES.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request, headers.get("Allow", ""))
        return problem_response(request, exc.status_code, code, title, detail, headers=headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        from newsdesk.observability import logger  # noqa: PLC0415 - only on the error path

        busy = overload_problem(exc)
        if busy is not None:
            return await on_problem(request, busy)
        logger.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            request, 500, "internal-error", "Internal error", "The error has been logged."
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem documents for these statuses."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "model": Problem,
            "description": _TITLES.get(status, ("", "Invalid request"))[1],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }


def document_malformed_bodies(document: dict[str, Any]) -> None:
    """Document 400 on every operation that reads a body.

    FastAPI answers 400 itself when a body cannot be decoded at all (bytes that are not
    UTF-8 JSON text), before any route runs; routes cannot list it, so the document does.
    """
    (entry,) = problem_responses(400).values()
    described = {key: value for key, value in entry.items() if key != "model"}
    described["description"] = "Malformed body (not JSON text)"
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("400", described)


def document_overload(document: dict[str, Any]) -> None:
    """Document 503 (AWS throttling, `overload_problem`) on every operation.

    Any route can meet it: every one reads DynamoDB, so no route can rule it out.
    """
    (entry,) = problem_responses(503).values()
    described = {key: value for key, value in entry.items() if key != "model"}
    described["description"] = OVERLOAD_DESCRIPTION
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("503", described)
