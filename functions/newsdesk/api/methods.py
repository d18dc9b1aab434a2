"""HEAD: the Lambda handler answers it as the GET, and tells the app so.

A route whose GET has an effect (a download link spends a use) must not have it for a HEAD
(RFC 9110: HEAD is safe; link checkers and mail scanners send it). The mark is a key of the
Lambda event, which only the handler writes (API Gateway puts no such key there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the fast path imports this module without Starlette
    from starlette.requests import Request

HEAD_MARK = "newsdeskHead"


def is_head(request: Request) -> bool:
    """True when the handler answers a HEAD through this GET."""
    event = request.scope.get("aws.event")
    return isinstance(event, dict) and event.get(HEAD_MARK) is True
