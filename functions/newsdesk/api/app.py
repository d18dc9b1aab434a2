"""The FastAPI application: routes and problem documents.

CORS is not the app's: the HttpApi's CorsConfiguration (template.yaml) answers preflights and
replaces any CORS header a function returns, so the app sends none. Paths are matched as
given: no redirect adds or drops a trailing slash (an unknown path is the 404 problem).
"""

from __future__ import annotations

import json

from fastapi import Depends, FastAPI, Request, Response

from newsdesk.api import ebooks, problems
from newsdesk.api.caching import JSON_MEDIA_TYPE, conditional_json
from newsdesk.api.problems import Problem
from newsdesk.api.query import given_once
from newsdesk.api.routes import articles, navigation, previews

OPENAPI_PATH = "/openapi.json"


def create_app() -> FastAPI:
    """Build the app: routes, problem documents, a cacheable OpenAPI document."""
    app = FastAPI(
        title="newsdesk",
        version="1.0.0",
        description="Articles, related teasers and e-books of a Danish local magazine.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
        dependencies=[Depends(given_once)],
    )
    problems.install(app)
    app.include_router(articles.router)
    app.include_router(navigation.router)
    app.include_router(ebooks.router)
    app.include_router(previews.router)
    _register_problem_schema(app)
    _serve_openapi(app)
    return app


def _serve_openapi(app: FastAPI) -> None:
    """GET /openapi.json with an ETag and Cache-Control, like every other GET."""

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def openapi_document(request: Request) -> Response:
        body = json.dumps(app.openapi(), separators=(",", ":")).encode()
        answer = conditional_json(body, request.headers.get("if-none-match"))
        if answer.status == 304:
            return Response(status_code=304, headers=answer.headers)
        return Response(answer.body, media_type=JSON_MEDIA_TYPE, headers=answer.headers)


def _register_problem_schema(app: FastAPI) -> None:
    """Make `#/components/schemas/Problem` exist even when no route names it directly."""
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = original()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.setdefault(
                "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            )
            components.setdefault("FieldError", problems.FieldError.model_json_schema())
            problems.document_malformed_bodies(schema)
            problems.document_overload(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
