"""API function: API Gateway (HTTP API v2 or REST v1) event → FastAPI app via Mangum."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from newsdesk.api.app import create_app
from newsdesk.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = create_app()
_asgi = Mangum(app, lifespan="off", api_gateway_base_path=os.environ.get("API_BASE_PATH") or "/")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Translate the API Gateway event; Mangum recognises both payload versions."""
    # Mangum's own LambdaContext protocol is structurally the same object.
    response: dict[str, Any] = _asgi(event, cast(Any, context))
    return response
