"""Editors' preview links: `GET /preview/{token}`, the page a draft or scheduled article will have.

Answered with the article page's JSON shape, never cached (`private, no-store`) and kept out
of search engines (`X-Robots-Tag: noindex`). 403 for a token we did not sign, 410 for an
expired one or for a key that has since gone live or been deleted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from starlette.responses import Response

from newsdesk.api.caching import JSON_MEDIA_TYPE, PRIVATE_NO_STORE
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
        200: {"headers": {"X-Robots-Tag": {"schema": {"type": "string"}}}},
        **problem_responses(403, 410, 422),
    },
)
def get_preview(
    token: Annotated[str, Path(max_length=MAX_TOKEN_LENGTH)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> Response:
    """The article as it will be served: same JSON, related teasers as computed now."""
    try:
        article = preview(token, now=clock())
    except (InvalidPreviewError, ExpiredPreviewError, PreviewGoneError) as error:
        raise _problem(error) from error
    return Response(article.model_dump_json(), media_type=JSON_MEDIA_TYPE, headers=PREVIEW_HEADERS)
