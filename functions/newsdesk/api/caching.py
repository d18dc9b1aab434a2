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
PUBLIC_CACHE = "public, max-age=60, s-maxage=300, stale-while-revalidate=600"
JSON_MEDIA_TYPE = "application/json"


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
