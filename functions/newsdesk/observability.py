"""Logging and metrics conventions shared by every function.

Powertools Logger writes JSON with the correlation id of the request; Metrics writes EMF.
The keys an invocation appends (function name, request id, correlation id…) are kept per
thread: on Lambda one process runs one invocation at a time, but the local stack runs every
function in one process, one thread each, and shared keys made one function's lines carry
another's name and request id.
The Tracer is not imported here: its aws-xray-sdk import costs ~300 ms of cold start, so a
function opts in through `tracer()` only when POWERTOOLS_TRACE_DISABLED is not "true".
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "newsdesk")


class InvocationLogger(Logger):
    """Powertools' Logger whose appended keys belong to the thread that appended them.

    `inject_lambda_context` and `set_correlation_id` append through `append_keys`; here that
    is Powertools' thread-safe variant, so concurrent invocations never see each other's
    keys. The service and other construction-time keys stay shared.
    """

    def append_keys(self, **additional_keys: object) -> None:
        """Keys for this thread's log lines (this invocation's and its thread's next ones)."""
        self.thread_safe_append_keys(**additional_keys)

    def remove_keys(self, keys: Iterable[str]) -> None:
        """Remove keys appended by this thread."""
        self.thread_safe_remove_keys(keys)

    def get_current_keys(self) -> dict[str, Any]:
        """The shared keys overlaid with this thread's."""
        return {**super().get_current_keys(), **self.thread_safe_get_current_keys()}

    def get_correlation_id(self) -> str | None:
        """This thread's correlation id."""
        value = self.thread_safe_get_current_keys().get("correlation_id")
        return value if isinstance(value, str) else None


logger = InvocationLogger(service=SERVICE)
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
