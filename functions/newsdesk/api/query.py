"""Query parameters read as the document describes them, not as leniently as pydantic can.

A fuzzer (and a confused client) may repeat a parameter (`?limit=x&limit=5`) or pad a number
(`?limit=%0D5`, `?limit=1_0`); Starlette keeps the last value and pydantic strips and reads
underscores, so both were answered as if valid. They are refused like any invalid value
(422), as the fast path already refuses them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BeforeValidator

from newsdesk.api.articles import LIMIT_MAX, LIMIT_MIN

_DIGITS = re.compile(r"[0-9]+")


def _plain_digits(value: Any) -> Any:
    """A query's text must be digits only; anything else goes on to fail as an integer."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        return f"not an integer: {value!r}"
    return value


Limit = Annotated[int, Query(ge=LIMIT_MIN, le=LIMIT_MAX), BeforeValidator(_plain_digits)]


async def given_once(request: Request) -> None:
    """Refuse (422) a query parameter of the route that is given more than once."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    declared = {p.alias for p in getattr(dependant, "query_params", ())}
    seen: set[str] = set()
    errors: list[dict[str, Any]] = []
    for name, _ in request.query_params.multi_items():
        if name in declared and name in seen:
            errors.append(
                {"loc": ("query", name), "msg": "Give this parameter once", "type": "repeated"}
            )
        seen.add(name)
    if errors:
        raise RequestValidationError(errors)
