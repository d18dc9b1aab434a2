"""E-book routes: the registry, requests for a download link, downloads and newsletter opt-in.

Refusals (all problem+json, never cached):
- 404 unknown e-book; 413 body over `MAX_BODY_BYTES`; 415 a body declared as not JSON;
  422 invalid body or query;
- 429 per-address or per-client limit, with `Retry-After` in seconds;
- 403 a token we did not sign (or signed for another e-book or purpose);
- 410 a genuine link that expired, has no uses left, or whose reader was erased;
- 503 the mail service did not take the message (the request may be retried).
A filled honeypot (`website`) answers exactly like success but stores and sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from newsdesk.api.caching import cached_json
from newsdesk.api.problems import ProblemError, problem_responses
from newsdesk.clock import Clock, system_clock
from newsdesk.config import settings
from newsdesk.dal import ebooks as registry
from newsdesk.logic.ebooks import downloads
from newsdesk.logic.ebooks import requests as ebook_requests
from newsdesk.logic.ebooks.errors import (
    DeliveryFailedError,
    EbookNotFoundError,
    ExpiredTokenError,
    InvalidTokenError,
    LinkUnavailableError,
    RateLimitedError,
)
from newsdesk.logic.ebooks.tokens import MAX_TOKEN_LENGTH
from newsdesk.models import Ebook, EbookList

MAX_BODY_BYTES = 2048
# Kept as consent evidence; anything longer is noise and only grows the record.
MAX_USER_AGENT = 256
EBOOK_ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")
NO_STORE = {"Cache-Control": "no-store"}
_ACCEPTED_MESSAGE = "Tak! Vi sender et link til e-bogen til din e-mailadresse. Tjek din indbakke."


def _is_json(content_type: str) -> bool:
    """`application/json` or a `+json` type, whatever its parameters (charset …)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class _CheckedBodyRoute(APIRoute):
    """Refuse oversized (413) and non-JSON (415) bodies before anything parses them."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            body = await request.body()
            if (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(
                body
            ) > MAX_BODY_BYTES:
                raise ProblemError(
                    413,
                    "payload-too-large",
                    "Payload too large",
                    f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
                )
            content_type = request.headers.get("content-type")
            if body and content_type and not _is_json(content_type):
                raise ProblemError(
                    415,
                    "unsupported-media-type",
                    "Unsupported media type",
                    "Send the body as JSON (Content-Type: application/json).",
                )
            return await handler(request)

        return checked


# A body without Content-Type is read as JSON (as `sam local generate-event` and simple HTTP
# clients send it); a declared non-JSON type is a 415.
router = APIRouter(tags=["ebooks"], route_class=_CheckedBodyRoute, strict_content_type=False)


def get_clock() -> Clock:
    """The clock of the e-book flow (a dependency, so tests can move time)."""
    return system_clock


class RequestAccepted(BaseModel):
    """The answer to an e-book request; identical for every accepted body."""

    status: str = "accepted"
    message: str = _ACCEPTED_MESSAGE


def _not_found(ebook_id: str) -> ProblemError:
    return ProblemError(
        404, "ebook-not-found", "E-book not found", f"No published e-book '{ebook_id}'."
    )


def _checked_id(ebook_id: str) -> str:
    if not EBOOK_ID_PATTERN.fullmatch(ebook_id):
        raise _not_found(ebook_id)
    return ebook_id


def client_ip(request: Request) -> str:
    """The caller's address as API Gateway saw it (HTTP API v2 or REST v1), else the socket's."""
    event = request.scope.get("aws.event")
    if isinstance(event, dict):
        context = event.get("requestContext") or {}
        ip = (context.get("http") or {}).get("sourceIp") or (context.get("identity") or {}).get(
            "sourceIp"
        )
        if isinstance(ip, str) and ip:
            return ip
    return request.client.host if request.client else "unknown"


def _link_base(request: Request) -> str:
    """PUBLIC_API_URL, or this API's own origin when the template leaves it empty."""
    return settings().public_api_url or str(request.base_url).rstrip("/")


def _token_problem(error: Exception) -> ProblemError:
    if isinstance(error, ExpiredTokenError):
        return ProblemError(
            410, "link-expired", "Link expired", "This link has expired. Request a new one."
        )
    if isinstance(error, LinkUnavailableError):
        return ProblemError(
            410,
            "link-used-up",
            "Link no longer valid",
            "This link has been used up or withdrawn. Request a new one.",
        )
    return ProblemError(403, "invalid-token", "Invalid link", "This link is not valid.")


@router.get(
    "/ebooks",
    response_model=EbookList,
    summary="All published e-books",
    responses={304: {"description": "Not modified (If-None-Match matched the ETag)"}},
)
def list_ebooks(request: Request) -> Response:
    """Every published e-book, ordered by id."""
    return cached_json(request, EbookList(items=registry.list_ebooks()))


@router.get(
    "/ebooks/{ebook_id}",
    response_model=Ebook,
    summary="One published e-book",
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **problem_responses(404),
    },
)
def get_ebook(request: Request, ebook_id: str) -> Response:
    """The e-book; unknown and unpublished ids are 404."""
    ebook = registry.get_ebook(_checked_id(ebook_id))
    if ebook is None:
        raise _not_found(ebook_id)
    return cached_json(request, ebook)


@router.post(
    "/ebooks/{ebook_id}/requests",
    status_code=202,
    response_model=RequestAccepted,
    summary="Request the e-book: a download link is sent to the address",
    responses={
        202: {
            "description": "Accepted: a link is on its way (also the answer to bot-filled forms)"
        },
        **problem_responses(404, 413, 415, 422, 429, 503),
    },
)
def request_ebook(
    request: Request,
    ebook_id: str,
    form: ebook_requests.RequestForm,
    clock: Annotated[Clock, Depends(get_clock)],
) -> JSONResponse:
    """Record the request and its consent, then e-mail a signed download link.

    With `newsletter: true` the same e-mail carries a confirmation link; the newsletter
    consent becomes active only when it is clicked (double opt-in).
    """
    client = ebook_requests.Client(
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", "")[:MAX_USER_AGENT] or None,
        source=f"POST /ebooks/{ebook_id}/requests",
    )
    try:
        ebook_requests.request_ebook(
            form,
            ebook_id=_checked_id(ebook_id),
            client=client,
            link_base=_link_base(request),
            clock=clock,
        )
    except EbookNotFoundError as error:
        raise _not_found(ebook_id) from error
    except RateLimitedError as error:
        raise ProblemError(
            429,
            "too-many-requests",
            "Too many requests",
            f"Too many e-book requests from this {error.scope}. Try again later.",
            headers={"Retry-After": str(error.retry_after)},
        ) from error
    except DeliveryFailedError as error:
        raise ProblemError(
            503,
            "mail-unavailable",
            "E-mail could not be sent",
            "The e-mail could not be sent right now. Try again in a minute.",
            headers={"Retry-After": "60"},
        ) from error
    return JSONResponse(RequestAccepted().model_dump(), status_code=202, headers=NO_STORE)


@router.get(
    "/ebooks/{ebook_id}/download",
    status_code=302,
    response_class=RedirectResponse,
    summary="Redeem an e-mailed link: redirect to a short-lived download of the PDF",
    responses={
        302: {
            "description": "Found: `Location` is a presigned S3 URL valid for at most 5 minutes",
            "headers": {
                "Location": {"schema": {"type": "string", "format": "uri"}},
                "Cache-Control": {"schema": {"type": "string", "enum": ["no-store"]}},
            },
        },
        **problem_responses(403, 404, 410, 422),
    },
)
def download_ebook(
    ebook_id: str,
    token: Annotated[str, Query(min_length=1, max_length=MAX_TOKEN_LENGTH)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> RedirectResponse:
    """Spend one use of the link and redirect to the PDF (saved as an attachment)."""
    try:
        url = downloads.authorize_download(_checked_id(ebook_id), token, clock=clock)
    except EbookNotFoundError as error:
        raise _not_found(ebook_id) from error
    except (InvalidTokenError, ExpiredTokenError, LinkUnavailableError) as error:
        raise _token_problem(error) from error
    return RedirectResponse(
        url, status_code=302, headers={**NO_STORE, "Referrer-Policy": "no-referrer"}
    )


_CONFIRMED_PAGE = """<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>Tilmelding bekræftet</title></head>
<body><h1>Tak!</h1><p>Din tilmelding til nyhedsbrevet er bekræftet.</p></body></html>
"""


@router.get(
    "/newsletter/confirm",
    response_class=HTMLResponse,
    tags=["newsletter"],
    summary="Confirm the newsletter subscription (double opt-in link from the e-mail)",
    responses={
        200: {"description": "Confirmed (a short Danish page); repeating it changes nothing"},
        **problem_responses(403, 410, 422),
    },
)
def confirm_newsletter(
    token: Annotated[str, Query(min_length=1, max_length=MAX_TOKEN_LENGTH)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> HTMLResponse:
    """Activate the newsletter consent recorded with the request."""
    try:
        downloads.confirm_newsletter(token, clock=clock)
    except (InvalidTokenError, ExpiredTokenError, LinkUnavailableError) as error:
        raise _token_problem(error) from error
    return HTMLResponse(_CONFIRMED_PAGE, headers={**NO_STORE, "Referrer-Policy": "no-referrer"})
