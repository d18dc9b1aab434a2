"""The framework floor: FastAPI + Mangum serving the same page with nothing of newsdesk.

Its cold path is what FastAPI itself costs over the Powertools baseline; newsdesk's own
figure above this floor is what our code adds.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Response
from mangum import Mangum

from infra.bench.plain_page import article_json, dynamodb

app = FastAPI()
__all__ = ["dynamodb", "handler"]


@app.get("/articles/{slug}")
async def get_article(slug: str) -> Response:
    """One Query, one model, one JSON document."""
    body = article_json(slug)
    if body is None:
        raise HTTPException(404)
    return Response(body, media_type="application/json")


handler: Any = Mangum(app, lifespan="off")
