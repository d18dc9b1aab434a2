"""Editors' preview links: `GET /preview/{token}`, the page a draft or scheduled article will have.

Answered with the article page's JSON shape, never cached (`private, no-store`) and kept out
of search engines (`X-Robots-Tag: noindex`). 403 for a token we did not sign, 410 for an
expired one or for a key that has since gone live or been deleted. An editor's browser
(preferring `text/html`) gets the same answers as Danish pages (`preview_pages`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from newsdesk.api import preview_pages
from newsdesk.api.caching import JSON_MEDIA_TYPE, PRIVATE_NO_STORE
from newsdesk.api.ebook_pages import prefers_html
from newsdesk.api.problems import ProblemError, problem_responses
from newsdesk.clock import Clock, system_clock
from newsdesk.logic.publishing.previews import (
    MAX_TOKEN_LENGTH,
    ExpiredPreviewError,
    InvalidPreviewError,
    PreviewGoneError,
    preview,
)
from newsdesk.models import Article

router = APIRouter(tags=["previews"])
PREVIEW_HEADERS = {"Cache-Control": PRIVATE_NO_STORE, "X-Robots-Tag": "noindex"}
# What an editor's browser (ranking text/html above JSON) gets instead of JSON.
_PAGE = {"schema": {"type": "string"}}


def get_clock() -> Clock:
    """The clock previews expire on (a dependency, so tests can move time)."""
    return system_clock


def _problem(error: Exception) -> ProblemError:
    if isinstance(error, ExpiredPreviewError):
        return ProblemError(
            410,
            "preview-expired",
            "Preview link expired",
            "This preview link is more than 7 days old. Upload the file again for a new one.",
            PREVIEW_HEADERS,
        )
    if isinstance(error, PreviewGoneError):
        if error.live_slug:
            detail = f"The article has been published: /articles/{error.live_slug}"
            return ProblemError(
                410, "preview-published", "Article published", detail, PREVIEW_HEADERS
            )
        return ProblemError(
            410,
            "preview-withdrawn",
            "Preview withdrawn",
            "The file behind this preview has been deleted.",
            PREVIEW_HEADERS,
        )
    return ProblemError(
        403, "invalid-token", "Invalid link", "This preview link is not valid.", PREVIEW_HEADERS
    )


@router.get(
    "/preview/{token}",
    response_model=Article,
    summary="Preview of a draft or scheduled article (editors' link from the upload report)",
    responses={
        200: {
            "headers": {"X-Robots-Tag": {"schema": {"type": "string"}}},
            "content": {"text/html": _PAGE},
        },
        **{
            status: {**entry, "content": {**entry["content"], "text/html": _PAGE}}
            for status, entry in problem_responses(403, 410).items()
        },
        **problem_responses(422),
    },
)
def get_preview(
    request: Request,
    token: Annotated[str, Path(max_length=MAX_TOKEN_LENGTH)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> Response:
    """The article as it will be served: same JSON, related teasers as computed now."""
    html = prefers_html(request.headers.get("accept"))
    try:
        shown = preview(token, now=clock())
    except (InvalidPreviewError, ExpiredPreviewError, PreviewGoneError) as error:
        problem = _problem(error)
        if not html:
            raise problem from error
        if isinstance(error, PreviewGoneError) and error.live_slug:
            page = preview_pages.published_page(error.live_slug)
        else:
            page = preview_pages.PROBLEM_PAGES[problem.code]
        return preview_pages.problem_response(page, problem.status)
    if html:
        return preview_pages.article_response(shown.article, draft=shown.draft)
    return Response(
        shown.article.model_dump_json(), media_type=JSON_MEDIA_TYPE, headers=PREVIEW_HEADERS
    )
