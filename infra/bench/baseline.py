"""The baseline: what a user would otherwise write with Powertools' resolver, boto3 and pydantic.

It serves the same article from the same table with the same one Query, validates it with
pydantic models of the same shape and answers the same JSON bytes. No caching headers, no
problem documents, no CORS: it does strictly less than the real API function.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from infra.bench.plain_page import article_json, dynamodb

app = APIGatewayHttpResolver()
__all__ = ["dynamodb", "handler"]


@app.get("/articles/<slug>")
def get_article(slug: str) -> Response[str]:
    """One Query, one model, one JSON document."""
    body = article_json(slug)
    if body is None:
        raise NotFoundError(f"No article {slug}")
    return Response(200, "application/json", body)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point."""
    return app.resolve(event, context)
