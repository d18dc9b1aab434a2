"""Strong ETags over the final JSON bytes and CDN-friendly Cache-Control."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel

# Short browser max-age, longer shared-cache lifetime, and stale content served while a
# CDN revalidates: editors see changes within minutes, readers never wait on the origin.
PUBLIC_CACHE = "public, max-age=60, s-maxage=300, stale-while-revalidate=600"


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or any listed tag equal (weak comparison)."""
    candidates = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == etag for c in candidates)


def cached_json(request: Request, model: BaseModel, cache_control: str = PUBLIC_CACHE) -> Response:
    """Serialise `model` once, tag it, and answer 304 when the client already has it."""
    body = model.model_dump_json().encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Origin"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
