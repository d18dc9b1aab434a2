"""The FastAPI application: routes, CORS and problem documents."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from newsdesk.api import ebooks, problems
from newsdesk.api.fastpath import CORS_EXPOSE_HEADERS
from newsdesk.api.problems import Problem
from newsdesk.api.routes import articles, navigation
from newsdesk.config import settings


def create_app() -> FastAPI:
    """Build the app; CORS origins come from the template's parameter via the environment."""
    app = FastAPI(
        title="newsdesk",
        version="1.0.0",
        description="Articles, related teasers and e-books of a Danish local magazine.",
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app)
    app.include_router(articles.router)
    app.include_router(navigation.router)
    app.include_router(ebooks.router)
    origins = settings().cors_allowed_origins
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "If-None-Match"],
            expose_headers=list(CORS_EXPOSE_HEADERS),
            max_age=600,
        )
    _register_problem_schema(app)
    return app


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
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
