"""The hot reads without a web framework: `GET /articles` and `GET /articles/{slug}`.

Importing FastAPI costs more than everything else on the API function's cold path, and most
cold starts serve one of these two reads. So the handler first offers the API Gateway event
here; this module answers it only when it can answer exactly as the FastAPI app behind Mangum
would (same status, body bytes and headers, for HTTP API payload 2.0 and 1.0 and REST API
events) and returns None otherwise: other routes and methods (the handler turns HEAD into GET),
bodies, repeated or invalid query parameters (the app's 422), unusual paths or headers,
and any error it did not foresee all go to the app. AWS throttling is foreseen: it gets
the app's 503 problem at once, rather than the app asking the throttled table again.
Neither answers CORS: the HttpApi does.
The app stays the one definition of the API and its OpenAPI document: its article routes and
this module call the same `newsdesk.api.articles` reads, and both paths share the caching and
problem-document code.
`tests/test_api_fastpath.py` holds the two paths to byte-for-byte parity.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from newsdesk.api.articles import (
    CURSOR_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    list_cache_control,
    read_article,
    read_teasers,
)
from newsdesk.api.caching import JSON_MEDIA_TYPE, PUBLIC_CACHE, conditional_json
from newsdesk.api.problems import (
    PROBLEM_MEDIA_TYPE,
    ProblemError,
    overload_problem,
    problem_body,
    problem_headers,
)
from newsdesk.models import Article, TeaserPage

# Mangum's default text types: bodies of other types go back base64-encoded.
_TEXT_MEDIA_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/vnd.api+json",
    "application/vnd.oai.openapi",
)
_ARTICLES = "/articles"
# Path segments whose 404 instance Starlette reports unchanged (no '?', '#', '%', '/' …).
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_HOST = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
_LIMIT = re.compile(r"[1-9][0-9]?")
_SCHEMES = frozenset({"http", "https"})


def answer(event: dict[str, Any], *, base_path: str = "/") -> dict[str, Any] | None:
    """The Lambda response to a hot read, exactly as the app would give it; else None."""
    parsed = _parse(event, base_path)
    if parsed is None:
        return None
    v2, path, query, headers = parsed
    try:
        status, out, body = _route(path, query, headers.get("if-none-match"))
    except _Unanswerable:
        return None
    except ProblemError as error:
        status, out, body = _problem(error, path)
    except Exception as error:  # the app answers (and logs) whatever was not foreseen here
        busy = overload_problem(error)
        if busy is None:
            return None
        # Throttled: answer as the app would, without asking the throttled table again.
        status, out, body = _problem(busy, path)
    return _lambda_response(v2, status, out, body)


class _Unanswerable(Exception):
    """A request the fast path cannot answer with certainty: the app gets it."""


def _route(path: str, query: str, if_none_match: str | None) -> tuple[int, dict[str, str], bytes]:
    """Status, lower-cased headers and body of GET `path`, as the app's routes make them."""
    slug = path.removeprefix(_ARTICLES + "/")
    if path == _ARTICLES:
        model: Article | TeaserPage = read_teasers(**_list_parameters(query))
        cache = list_cache_control()
    elif slug != path and _PLAIN_SEGMENT.fullmatch(slug):
        model = read_article(slug)
        cache = PUBLIC_CACHE
    else:
        raise _Unanswerable
    cached = conditional_json(model.model_dump_json().encode(), if_none_match, cache)
    out = {k.lower(): v for k, v in cached.headers.items()}
    if cached.status != 304:
        out["content-length"] = str(len(cached.body))
        out["content-type"] = JSON_MEDIA_TYPE
    return cached.status, out, cached.body


def _problem(error: ProblemError, path: str) -> tuple[int, dict[str, str], bytes]:
    """The problem document the app's exception handler renders for `error`."""
    body = problem_body(error.status, error.code, error.title, error.detail, instance=path)
    out = {k.lower(): v for k, v in problem_headers(error.headers).items()}
    out["content-length"] = str(len(body))
    out["content-type"] = PROBLEM_MEDIA_TYPE
    return error.status, out, body


def _list_parameters(query: str) -> dict[str, Any]:
    """The list route's parameters when each is valid and given at most once."""
    pairs = parse_qsl(query, keep_blank_values=True)  # what Starlette's QueryParams does
    given = dict(pairs)
    if len(given) != len(pairs):
        raise _Unanswerable
    category, tag, cursor = given.get("category"), given.get("tag"), given.get("cursor")
    author = given.get("author")
    labels = (category or "", tag or "", author or "")
    if any(len(text) > LABEL_MAX_LENGTH for text in labels) or (
        len(cursor or "") > CURSOR_MAX_LENGTH
    ):
        raise _Unanswerable
    limit = given.get("limit")
    if limit is not None and not (_LIMIT.fullmatch(limit) and int(limit) <= LIMIT_MAX):
        raise _Unanswerable
    return {
        "category": category,
        "tag": tag,
        "author": author,
        "limit": LIMIT_DEFAULT if limit is None else int(limit),
        "cursor": cursor,
    }


def _parse(event: dict[str, Any], base_path: str) -> tuple[bool, str, str, dict[str, str]] | None:
    """(payload 2.0?, path, query string, lower-cased headers) of a plain GET, as Mangum sees it.

    Mangum picks its handler by the event's keys (ALB first, then `version`, then `resource`);
    anything it would treat differently, or that is not a bodiless GET, is None.
    """
    context = event.get("requestContext")
    if not isinstance(context, dict) or "elb" in context:
        return None
    if event.get("body") or event.get("isBase64Encoded"):
        return None
    if "version" in event:
        v2 = event["version"] == "2.0"
    elif "resource" in event:
        v2 = False
    else:
        return None
    if v2:
        http = context.get("http")
        if not isinstance(http, dict) or "sourceIp" not in http:
            return None
        method, path, query = http.get("method"), http.get("path"), event.get("rawQueryString", "")
        headers = _headers_v2(event)
    else:
        method, path = event.get("httpMethod"), event.get("path")
        query = _query_v1(event)
        headers = _headers_v1(event)
    if (
        method != "GET"
        or not isinstance(path, str)
        or not isinstance(query, str)
        or not query.isascii()
        or headers is None
        or not _plain_url(headers)
    ):
        return None
    return v2, _strip_base_path(path, base_path), query, headers


def _headers_v2(event: dict[str, Any]) -> dict[str, str] | None:
    raw = event.get("headers", {})
    cookies = event.get("cookies")
    if not isinstance(raw, dict) or not (cookies is None or _strings(cookies)):
        return None
    return _lowered(raw.items())


def _headers_v1(event: dict[str, Any]) -> dict[str, str] | None:
    """Single-value headers overridden by the multi-value ones joined with ", " (Mangum's rule)."""
    raw = event.get("headers") or {}
    multi = event.get("multiValueHeaders") or {}
    if not isinstance(raw, dict) or not isinstance(multi, dict):
        return None
    if not all(_strings(values) for values in multi.values()):
        return None
    return _lowered([*raw.items(), *((k, ", ".join(v)) for k, v in multi.items())])


def _strings(values: object) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) for v in values)


def _lowered(items: Any) -> dict[str, str] | None:
    """Lower-cased names; None when a name or value is not ASCII text (Starlette reads latin-1)."""
    headers: dict[str, str] = {}
    for name, value in items:
        if not (isinstance(name, str) and isinstance(value, str)) or not (
            name.isascii() and value.isascii()
        ):
            return None
        headers[name.lower()] = value
    return headers


def _query_v1(event: dict[str, Any]) -> str | None:
    """The query string Mangum rebuilds from the decoded parameters of a 1.0 event."""
    params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
    if not params:
        return ""
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and (isinstance(v, str) or _strings(v)) for k, v in params.items()
    ):
        return None
    return urlencode(params, doseq=True)


def _plain_url(headers: dict[str, str]) -> bool:
    """Host, scheme and port that make Starlette's request URL keep the path as it is."""
    host = headers.get("host")
    port = headers.get("x-forwarded-port")
    return (
        (host is None or bool(_HOST.fullmatch(host)))
        and (
            (host is not None and ":" in host) or port is None or bool(re.fullmatch("[0-9]+", port))
        )
        and headers.get("x-forwarded-proto", "https") in _SCHEMES
    )


def _strip_base_path(path: str, base_path: str) -> str:
    """Mangum's `api_gateway_base_path` handling, then percent-decoding."""
    if not path:
        return "/"
    if base_path and base_path != "/":
        base = base_path if base_path.startswith("/") else f"/{base_path}"
        if path.startswith(base):
            path = path[len(base) :]
    return unquote(path)


def _lambda_response(v2: bool, status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The dictionary Mangum returns for this event version."""
    if v2 and "content-type" not in headers:
        headers["content-type"] = JSON_MEDIA_TYPE
    text, is_base64 = "", False
    if body:
        media_type = headers.get("content-type", "")
        if any(kind in media_type for kind in _TEXT_MEDIA_TYPES):
            text = body.decode()
        else:
            text, is_base64 = base64.b64encode(body).decode(), True
    if v2:
        return {
            "statusCode": status,
            "body": text,
            "headers": headers,
            "isBase64Encoded": is_base64,
        }
    return {
        "statusCode": status,
        "headers": headers,
        "multiValueHeaders": {},
        "body": text,
        "isBase64Encoded": is_base64,
    }
