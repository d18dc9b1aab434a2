"""Logging and metrics conventions shared by every function.

Powertools Logger writes JSON with the correlation id of the request; Metrics writes EMF.
The Tracer is not imported here: its aws-xray-sdk import costs ~300 ms of cold start, so a
function opts in through `tracer()` only when POWERTOOLS_TRACE_DISABLED is not "true".
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "newsdesk")

logger = Logger(service=SERVICE)
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Newsdesk"), service=SERVICE
)


@cache
def tracer() -> Tracer | None:
    """The X-Ray tracer when tracing is enabled, else None (and no import cost)."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() == "true":
        return None
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - deliberate lazy import

    return Tracer(service=SERVICE)
