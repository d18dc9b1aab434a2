"""Strong ETags over the final JSON bytes and CDN-friendly Cache-Control.

Framework-free (bytes in, status/headers/body out) so the FastAPI routes and the API
function's fast path (`newsdesk.api.fastpath`) answer conditional GETs identically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

# Short browser max-age, longer shared-cache lifetime, and stale content served while a
# CDN revalidates: editors see changes within minutes, readers never wait on the origin.
BROWSER_MAX_AGE, SHARED_MAX_AGE, STALE_WHILE_REVALIDATE = 60, 300, 600
PUBLIC_CACHE = (
    f"public, max-age={BROWSER_MAX_AGE}, s-maxage={SHARED_MAX_AGE}, "
    f"stale-while-revalidate={STALE_WHILE_REVALIDATE}"
)
# A missing article page (unknown, unpublished, not yet live): browsers ask again each time,
# a CDN keeps the 404 for seconds, so the readers of a removed viral article do not all reach
# the origin (a `no-store` 404 is never cached by CloudFront). Publishing the slug invalidates
# its path at the CDN; without the invalidation the 404 outlives a go-live by this much.
MISSING_SHARED_MAX_AGE = 10
MISSING_PAGE_CACHE = f"public, max-age=0, s-maxage={MISSING_SHARED_MAX_AGE}"
# Editors' previews: the viewer's browser only, never stored.
PRIVATE_NO_STORE = "private, no-store"
JSON_MEDIA_TYPE = "application/json"


def public_cache_until(seconds: int | None) -> str:
    """PUBLIC_CACHE, shortened so that no cache may serve the answer `seconds` from now.

    Near a scheduled go-live (docs/api.md, "Caching"): max-age and s-maxage are capped at the
    time left, and stale-while-revalidate at what remains after them, so neither a browser
    nor a CDN serves a list or page without the article once its time has come.
    """
    if seconds is None or seconds >= SHARED_MAX_AGE + STALE_WHILE_REVALIDATE:
        return PUBLIC_CACHE
    seconds = max(seconds, 0)
    browser, shared = min(BROWSER_MAX_AGE, seconds), min(SHARED_MAX_AGE, seconds)
    stale = seconds - shared
    tail = f", stale-while-revalidate={stale}" if stale else ""
    return f"public, max-age={browser}, s-maxage={shared}{tail}"


@dataclass(frozen=True, slots=True)
class Conditional:
    """The answer to a cacheable GET: 200 with the body, or 304 with the same validators."""

    status: int
    headers: dict[str, str]
    body: bytes


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or any listed tag equal (weak comparison)."""
    candidates = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def conditional_json(
    body: bytes, if_none_match: str | None, cache_control: str = PUBLIC_CACHE
) -> Conditional:
    """Tag the JSON bytes and answer 304 when the client already has them."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Origin"}
    if if_none_match and _matches(if_none_match, etag):
        return Conditional(304, headers, b"")
    return Conditional(200, headers, body)


def cached_json(request: Request, model: BaseModel, cache_control: str = PUBLIC_CACHE) -> Response:
    """The FastAPI routes' form of `conditional_json`: serialise `model` once, tag it."""
    # Imported on use: the fast path imports this module and must not load starlette.
    from starlette.responses import Response  # noqa: PLC0415

    answer = conditional_json(
        model.model_dump_json().encode(), request.headers.get("if-none-match"), cache_control
    )
    if answer.status == 304:
        return Response(status_code=304, headers=answer.headers)
    return Response(answer.body, media_type=JSON_MEDIA_TYPE, headers=answer.headers)
