"""E-book routes: the registry, requests for a download link, and the links a mail carries.

Refusals (problem+json, never cached):
- 400 a body that is not JSON (or form data); 404 unknown e-book; 413 body over
  `MAX_BODY_BYTES`; 415 a body declared as neither JSON (or plain text holding JSON) nor an
  HTML form (urlencoded or multipart); 422 invalid body or query;
- 429 the per-client limit, with `Retry-After` in seconds;
- 403 a token we did not sign (or signed for another e-book or purpose);
- 410 a genuine link that expired, has no uses left, whose reader was erased, or whose
  newsletter consent was withdrawn;
- 503 the mail service did not take the message, or AWS throttled a call (both with
  `Retry-After`; the request may be retried).
A filled honeypot (`website`), a repeat within a minute and a mailbox over its limit all
answer exactly like success; nothing more is stored or sent. The request form's POST and the
links a person opens from a mail (download, confirm, withdraw) answer Danish pages to
browsers (`ebook_pages`). A download link's GET spends one of its uses (its HEAD only
checks it); the newsletter links' GETs show a page, and only their POSTs change anything.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from newsdesk.api import ebook_pages as pages
from newsdesk.api.caching import cached_json
from newsdesk.api.client_ip import client_ip
from newsdesk.api.methods import is_head
from newsdesk.api.problems import (
    OVERLOAD_DESCRIPTION,
    ProblemError,
    overload_problem,
    problem_responses,
)
from newsdesk.clock import Clock, system_clock
from newsdesk.config import settings
from newsdesk.dal import ebooks as registry
from newsdesk.logic.ebooks import downloads
from newsdesk.logic.ebooks import requests as ebook_requests
from newsdesk.logic.ebooks.errors import (
    DeliveryFailedError,
    EbookNotFoundError,
    ExpiredTokenError,
    InvalidTokenError,
    LinkBaseMissingError,
    LinkUnavailableError,
    RateLimitedError,
)
from newsdesk.logic.ebooks.tokens import MAX_TOKEN_LENGTH
from newsdesk.models import Ebook, EbookList
from newsdesk.observability import logger

# Far above the largest body the document allows (254 + 200 characters, each as a 12-byte
# `\uXXXX\uXXXX` escape: about 5.5 KB) and above what fuzzers send for it (invalid bodies
# reach 11 KB), so that a body is judged by its content (400, 422) and 413 only means "too
# large"; small enough that the mail parser's slowest multipart body takes 0.6 s (0.15 s at 8 KiB).
MAX_BODY_BYTES = 32 * 1024
# A form's fields (3, a submit button, a page's hidden fields): parsing cost grows with them.
MAX_FORM_FIELDS = 100
# `multipart/form-data; boundary=` and a boundary of at most 70 characters (RFC 2046), with room.
MAX_CONTENT_TYPE = 200
# Kept as consent evidence; anything longer is noise and only grows the record.
MAX_USER_AGENT = 256
EBOOK_ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?")
NO_STORE = {"Cache-Control": "no-store"}
LINK_HEADERS = {**NO_STORE, "Referrer-Policy": "no-referrer"}
_ACCEPTED_MESSAGE = "Tak! Vi sender et link til e-bogen til din e-mailadresse. Tjek din indbakke."


def _is_json(content_type: str) -> bool:
    """`application/json` or a `+json` type, whatever its parameters (charset …)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def _bounded_body(request: Request) -> bytes:
    """The body, or a 413 when it (or its declared length) is over `MAX_BODY_BYTES`."""
    declared = request.headers.get("content-length", "")
    body = await request.body()
    if (declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(body) > MAX_BODY_BYTES:
        raise ProblemError(
            413,
            "payload-too-large",
            "Payload too large",
            f"Request bodies are limited to {MAX_BODY_BYTES} bytes.",
        )
    return body


FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MULTIPART_MEDIA_TYPE = "multipart/form-data"
# What a browser's fetch() declares a string body as when the script sets no Content-Type.
PLAIN_MEDIA_TYPE = "text/plain"
# What an HTML checkbox (`value` omitted: "on") or a hidden field may send for `newsletter`.
_CHECKED = frozenset({"on", "true", "1", "yes", "ja"})
_UNCHECKED = frozenset({"", "off", "false", "0", "no", "nej"})
# In a form every value is text, so the document gives `newsletter` as the texts read above
# (any case, surrounding whitespace as `str.strip` removes it); any other text is a 422.
_WHITESPACE = r"[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*"
_FORM_NEWSLETTER = {
    "type": "string",
    "title": "Newsletter",
    "description": "A checkbox: `on`, `true`, `1`, `yes`, `ja` (any case) or `off`, `false`, "
    "`0`, `no`, `nej`, empty.",
    "default": "",
    "pattern": "^"
    + _WHITESPACE
    + "(?:"
    + "|".join(
        "".join(f"[{c}{c.upper()}]" if c.isalpha() else c for c in word)
        for word in sorted(_CHECKED | _UNCHECKED, key=lambda w: (-len(w), w))
        if word
    )
    + ")?"
    + _WHITESPACE
    + "$",
}
_REQUEST_SCHEMA = ebook_requests.RequestForm.model_json_schema()
# A page's form may carry more fields than the request (a named submit button): ignored.
_FORM_SCHEMA = {
    **_REQUEST_SCHEMA,
    "title": "RequestFormFields",
    "properties": {**_REQUEST_SCHEMA["properties"], "newsletter": _FORM_NEWSLETTER},
    "additionalProperties": True,
}


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _malformed_form(reason: str) -> ProblemError:
    return ProblemError(
        400, "malformed-body", "Malformed body", f"The body is not valid form data ({reason})."
    )


def _urlencoded_fields(body: bytes) -> list[tuple[str, str]]:
    """The fields of an `application/x-www-form-urlencoded` body, in order."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _malformed_form(str(error)) from error
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:  # more fields than a form has
        raise _malformed_form(f"more than {MAX_FORM_FIELDS} fields") from error


def _multipart_fields(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The text fields of a `multipart/form-data` body (a script's `new FormData(form)`, or a
    form with that `enctype`), in order; file parts are left out."""
    if "\r" in content_type or "\n" in content_type:
        raise _malformed_form("the Content-Type is not one header line")
    if len(content_type) > MAX_CONTENT_TYPE:  # the mail parser is quadratic in parameters
        raise _malformed_form("the Content-Type is too long")
    if body.count(b"\n--") > MAX_FORM_FIELDS:  # each part starts on a line `--boundary`
        raise _malformed_form(f"more than {MAX_FORM_FIELDS} fields")
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        boundary = message.get_boundary()
        if boundary and body.strip() == f"--{boundary}--".encode("latin-1", "replace"):
            return []  # an empty FormData: no fields, so the request's own 422 follows
        raise _malformed_form("no parts under the Content-Type's boundary")
    fields: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if part.get_content_disposition() != "form-data" or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        try:
            fields.append((name, payload.decode(part.get_content_charset() or "utf-8")))
        except (LookupError, UnicodeDecodeError) as error:
            raise _malformed_form(f"field {name!r}: {error}") from error
    return fields


def _form_as_json(pairs: list[tuple[str, str]]) -> bytes:
    """An HTML form's fields (a page without JavaScript posts them) as the JSON body.

    The last value of a repeated field wins (a hidden "false" before a checkbox); `newsletter`
    is read as a checkbox. Fields the request does not have (a named submit button, a page's
    own hidden fields) are left out: a page's form carries more than the request.
    """
    known = ebook_requests.RequestForm.model_fields
    fields: dict[str, Any] = {name: value for name, value in pairs if name in known}
    wish = fields.get("newsletter")
    if isinstance(wish, str) and wish.strip().lower() in _CHECKED | _UNCHECKED:
        fields["newsletter"] = wish.strip().lower() in _CHECKED
    return json.dumps(fields).encode()


def _with_json_body(request: Request, body: bytes) -> Request:
    """The same request carrying `body` as `application/json`."""
    headers = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"content-type"]
    scope = {**request.scope, "headers": [*headers, (b"content-type", b"application/json")]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


async def _json_request(request: Request) -> Request:
    """The request with a JSON body, or a 413/415/400 problem for one that is not."""
    body = await _bounded_body(request)
    content_type = request.headers.get("content-type")
    media_type = _media_type(content_type) if body and content_type else None
    if media_type == FORM_MEDIA_TYPE:
        if not body.lstrip().startswith(b"{"):  # else JSON under a form's label ($.ajax)
            return _with_json_body(request, _form_as_json(_urlencoded_fields(body)))
        request, content_type = _with_json_body(request, body), None
    elif media_type == MULTIPART_MEDIA_TYPE and content_type:
        return _with_json_body(request, _form_as_json(_multipart_fields(content_type, body)))
    elif media_type == PLAIN_MEDIA_TYPE:  # fetch() with a string body and no Content-Type
        request, content_type = _with_json_body(request, body), None
    if body and content_type and not _is_json(content_type):
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the body as JSON (Content-Type: application/json) or as an HTML form.",
        )
    if body:
        try:
            json.loads(body)
        # ValueError is also UnicodeDecodeError (bytes that are no text); RecursionError
        # is nesting deeper than the parser goes (`[[[[…`).
        except (ValueError, RecursionError) as error:
            raise ProblemError(
                400,
                "malformed-body",
                "Malformed body",
                f"The body is not valid JSON ({error}).",
            ) from error
    return request


class _CheckedBodyRoute(APIRoute):
    """Refuse oversized (413), unsupported (415) and malformed (400) bodies before parsing.

    An HTML form's POST (a page without JavaScript) is read as the same JSON body, and a
    client that prefers `text/html` (that page's browser) gets every answer of a POST as a
    Danish page with the same status instead of JSON.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            html = request.method == "POST" and pages.prefers_html(request.headers.get("accept"))
            ebook_id = request.path_params.get("ebook_id")
            try:
                response = await handler(await _json_request(request))
            except ProblemError as error:
                if not html:
                    raise
                page = pages.request_problem_page(error.code, error.headers.get("Retry-After"))
                return _with_headers(pages.request_page(page, ebook_id, error.status), error)
            except RequestValidationError:
                if not html:
                    raise
                page = pages.request_problem_page("validation-error", None)
                return pages.request_page(page, ebook_id, 422)
            except Exception as error:
                busy = overload_problem(error) if html else None
                if busy is None:
                    raise
                page = pages.request_problem_page(busy.code, None)
                return _with_headers(pages.request_page(page, ebook_id, busy.status), busy)
            if html and response.status_code == 202:
                return pages.request_page(pages.REQUEST_ACCEPTED, ebook_id, 202)
            return response

        return checked


def _with_headers(response: Response, error: ProblemError) -> Response:
    for name, value in error.headers.items():
        response.headers.setdefault(name, value)
    return response


class _LinkProblem(ProblemError):
    """A refused link; `ebook_id` (when known) lets the page offer a new one."""

    def __init__(self, status: int, code: str, title: str, detail: str, ebook_id: str | None):
        super().__init__(status, code, title, detail, headers=LINK_HEADERS)
        self.ebook_id = ebook_id


def _page_for_problem(request: Request, error: ProblemError) -> Response:
    page = pages.PROBLEM_PAGES.get(error.code, pages.GENERIC_PROBLEM)
    if error.code in pages.OFFERS_NEW_LINK:
        ebook_id = getattr(error, "ebook_id", None) or request.path_params.get("ebook_id")
        link = pages.request_again_link(ebook_id if isinstance(ebook_id, str) else None)
        page = pages.Page(page.title, page.paragraphs, link=link)
    return _with_headers(pages.page_response(page, error.status), error)


class _LinkRoute(APIRoute):
    """Routes a person opens from a mail: pages for browsers, never cached or referred.

    A client that prefers `text/html` gets every outcome, refusals included, as a Danish
    page with the refusal's status; everyone else gets JSON and problem documents.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answered(request: Request) -> Response:
            html = pages.prefers_html(request.headers.get("accept"))
            try:
                await _bounded_body(request)  # RFC 8058 posts a small form body; ignored
                response = await handler(request)
            except ProblemError as error:
                if html:
                    return _page_for_problem(request, error)
                error.headers = {**LINK_HEADERS, **error.headers}
                raise
            except RequestValidationError:
                if not html:
                    raise
                invalid = ProblemError(422, "validation-error", "Invalid request")
                return _page_for_problem(request, invalid)
            except Exception as error:
                busy = overload_problem(error)
                if busy is None:
                    raise
                if html:
                    return _page_for_problem(request, busy)
                busy.headers = {**LINK_HEADERS, **busy.headers}
                raise busy from error
            for name, value in LINK_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return answered


_HTML_CONTENT = {"text/html": {"schema": {"type": "string"}}}


def _with_pages(documented: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """Problem documents, or Danish pages for a client preferring HTML (a form's browser)."""
    return {
        status: {**entry, "content": {**entry["content"], **_HTML_CONTENT}}
        for status, entry in documented.items()
    }


# A body without Content-Type is read as JSON (as `sam local generate-event` and simple HTTP
# clients send it); a declared non-JSON type is a 415.
router = APIRouter(tags=["ebooks"], route_class=_CheckedBodyRoute, strict_content_type=False)
links = APIRouter(route_class=_LinkRoute)


def get_clock() -> Clock:
    """The clock of the e-book flow (a dependency, so tests can move time)."""
    return system_clock


class RequestAccepted(BaseModel):
    """The answer to an e-book request; identical for every accepted body."""

    status: str = "accepted"
    message: str = _ACCEPTED_MESSAGE


def _not_found(ebook_id: str) -> ProblemError:
    return ProblemError(
        404, "ebook-not-found", "E-book not found", f"No published e-book '{ebook_id}'."
    )


def _checked_id(ebook_id: str) -> str:
    if not EBOOK_ID_PATTERN.fullmatch(ebook_id):
        raise _not_found(ebook_id)
    return ebook_id


_DOMAIN_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_STAGE = re.compile(r"[A-Za-z0-9_-]{1,128}")


def link_base(request: Request) -> str | None:
    """The origin (and path prefix) of e-mailed links, from configuration only.

    PUBLIC_API_URL when set; else the domain API Gateway itself received the request on
    (`requestContext.domainName`, plus a named stage on an execute-api domain, or the
    custom domain's base path). Never a Host header: a client chooses that one freely.
    None when neither exists (not behind API Gateway and nothing configured).
    """
    configured = settings().public_api_url
    if configured:
        return configured
    event = request.scope.get("aws.event")
    context = event.get("requestContext") if isinstance(event, dict) else None
    domain = context.get("domainName") if isinstance(context, dict) else None
    if not isinstance(domain, str) or not _DOMAIN_NAME.fullmatch(domain):
        return None
    base = f"https://{domain.lower()}"
    stage = context.get("stage") if isinstance(context, dict) else None
    if domain.lower().endswith(".amazonaws.com"):
        if isinstance(stage, str) and stage != "$default" and _STAGE.fullmatch(stage):
            base += f"/{stage}"
    elif settings().api_base_path != "/":
        base += quote(settings().api_base_path.rstrip("/"))
    return base


def _token_problem(error: Exception) -> ProblemError:
    if isinstance(error, ExpiredTokenError):
        return _LinkProblem(
            410,
            "link-expired",
            "Link expired",
            "This link has expired. Request a new one.",
            error.ebook_id,
        )
    if isinstance(error, LinkUnavailableError):
        if error.reason == "exhausted":
            detail = ("link-used-up", "Link used up", "This link has no uses left.")
        elif error.reason == "withdrawn":
            detail = (
                "consent-withdrawn",
                "Consent withdrawn",
                "The newsletter consent behind this link was withdrawn.",
            )
        else:
            detail = ("link-erased", "Link no longer valid", "The request behind it is gone.")
        return _LinkProblem(410, *detail, None)
    return _LinkProblem(403, "invalid-token", "Invalid link", "This link is not valid.", None)


@router.get(
    "/ebooks",
    response_model=EbookList,
    summary="All published e-books",
    responses={304: {"description": "Not modified (If-None-Match matched the ETag)"}},
)
def list_ebooks(request: Request) -> Response:
    """Every published e-book, ordered by id."""
    return cached_json(request, EbookList(items=registry.list_ebooks()))


# The sample e-book (content/ebooks/): an OpenAPI-driven checker starts from a real id and
# so reaches the routes' work (links, forms) instead of only their 404.
EbookId = Annotated[str, Path(examples=["ballerup-shopping"])]


@router.get(
    "/ebooks/{ebook_id}",
    response_model=Ebook,
    summary="One published e-book",
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **problem_responses(404),
    },
)
def get_ebook(request: Request, ebook_id: EbookId) -> Response:
    """The e-book; unknown and unpublished ids are 404."""
    ebook = registry.get_ebook(_checked_id(ebook_id))
    if ebook is None:
        raise _not_found(ebook_id)
    return cached_json(request, ebook)


@router.post(
    "/ebooks/{ebook_id}/requests",
    status_code=202,
    response_model=RequestAccepted,
    summary="Request the e-book: a download link is sent to the address",
    responses={
        202: {
            "description": "Accepted: a link is on its way (also the answer to bot-filled forms)",
            "content": _HTML_CONTENT,
        },
        **_with_pages(problem_responses(400, 404, 413, 415, 422, 429, 503)),
    },
    openapi_extra={
        "requestBody": {
            "content": {
                FORM_MEDIA_TYPE: {"schema": _FORM_SCHEMA},
                MULTIPART_MEDIA_TYPE: {"schema": _FORM_SCHEMA},
            }
        }
    },
)
def request_ebook(
    request: Request,
    ebook_id: EbookId,
    form: ebook_requests.RequestForm,
    clock: Annotated[Clock, Depends(get_clock)],
) -> JSONResponse:
    """Record the request and its consent, then e-mail a signed download link.

    With `newsletter: true` the same e-mail carries a confirmation link (the consent becomes
    active only when the reader confirms: double opt-in) and a withdrawal link. The answer
    is the same 202 whether or not a mail goes out (bots, repeats, a mailbox over its limit).
    """
    client = ebook_requests.Client(
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", "")[:MAX_USER_AGENT] or None,
        source=f"POST /ebooks/{ebook_id}/requests",
    )
    try:
        ebook_requests.request_ebook(
            form,
            ebook_id=_checked_id(ebook_id),
            client=client,
            link_base=link_base(request),
            clock=clock,
        )
    except EbookNotFoundError as error:
        raise _not_found(ebook_id) from error
    except LinkBaseMissingError as error:
        logger.error("no origin for e-mailed links: set PublicApiUrl")
        raise ProblemError(
            503,
            "mail-unavailable",
            "E-mail could not be sent",
            "E-mail links are not configured on this server.",
            headers={"Retry-After": "60"},
        ) from error
    except RateLimitedError as error:
        raise ProblemError(
            429,
            "too-many-requests",
            "Too many requests",
            "Too many e-book requests from this client. Try again later.",
            headers={"Retry-After": str(error.retry_after)},
        ) from error
    except DeliveryFailedError as error:
        raise ProblemError(
            503,
            "mail-unavailable",
            "E-mail could not be sent",
            "The e-mail could not be sent right now. Try again in a minute.",
            headers={"Retry-After": "60"},
        ) from error
    return JSONResponse(RequestAccepted().model_dump(), status_code=202, headers=NO_STORE)


# --- the links a mail carries --------------------------------------------------------------

_LINK_REFUSALS = {
    403: "Not a link we issued (or issued for another e-book or purpose)",
    404: "Unknown or unpublished e-book",
    410: "Link expired, used up, its request erased, or its consent withdrawn",
    413: "Payload too large",
    422: "Token missing or over 512 characters",
    503: OVERLOAD_DESCRIPTION,
}


def _link_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Refusals as problem documents, or as Danish pages for clients preferring HTML."""
    documented = problem_responses(*statuses)
    return {
        status: {
            "description": _LINK_REFUSALS[status],
            "content": {**entry["content"], **_HTML_CONTENT},
        }
        for status, entry in documented.items()
        if isinstance(status, int)
    }


def _page_ok(description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": _HTML_CONTENT}}


class NewsletterConsent(BaseModel):
    """The newsletter consent behind a link: asked for, on file, or not (any more)."""

    status: Literal["pending", "confirmed", "withdrawn"]


Token = Annotated[str, Query(min_length=1, max_length=MAX_TOKEN_LENGTH)]


def _redeeming[T](action: Callable[[], T]) -> T:
    """Run a link's action, turning its refusals into problems (pages for browsers)."""
    try:
        return action()
    except (InvalidTokenError, ExpiredTokenError, LinkUnavailableError) as error:
        raise _token_problem(error) from error


def _answer(request: Request, page: pages.Page, status: str) -> Response:
    if pages.prefers_html(request.headers.get("accept")):
        return pages.page_response(page)
    return JSONResponse(NewsletterConsent(status=status).model_dump(), headers=LINK_HEADERS)


@links.get(
    "/ebooks/{ebook_id}/download",
    status_code=302,
    response_class=RedirectResponse,
    summary="Redeem an e-mailed link: redirect to a short-lived download of the PDF",
    responses={
        302: {
            "description": "Found: `Location` is a presigned S3 URL valid for at most 5 minutes",
            "headers": {
                "Location": {"schema": {"type": "string", "format": "uri"}},
                "Cache-Control": {"schema": {"type": "string", "enum": ["no-store"]}},
            },
        },
        **_link_responses(403, 404, 410, 413, 422, 503),
    },
)
def download_ebook(
    request: Request, ebook_id: EbookId, token: Token, clock: Annotated[Clock, Depends(get_clock)]
) -> Response:
    """Spend one use of the link and redirect to the PDF (saved as an attachment).

    A HEAD (link checkers, mail scanners) is told whether the link works, and spends nothing.
    """
    checked = _checked_id(ebook_id)
    try:
        if is_head(request):
            _redeeming(lambda: downloads.check_download(checked, token, clock=clock))
            return Response(status_code=200, headers=LINK_HEADERS)
        url = _redeeming(lambda: downloads.authorize_download(checked, token, clock=clock))
    except EbookNotFoundError as error:
        raise _not_found(ebook_id) from error
    return RedirectResponse(url, status_code=302, headers=LINK_HEADERS)


@links.get(
    "/newsletter/confirm",
    tags=["newsletter"],
    response_model=NewsletterConsent,
    summary="The confirmation link from the e-mail: shows a page with one button (changes nothing)",
    responses={
        **_page_ok("`pending` (the page asks to confirm) or `confirmed` already"),
        **_link_responses(403, 410, 413, 422, 503),
    },
)
def confirmation_page(
    request: Request, token: Token, clock: Annotated[Clock, Depends(get_clock)]
) -> Response:
    """Read-only, so a mail filter that opens the link confirms nothing on the reader's behalf."""
    state = _redeeming(lambda: downloads.confirmation_state(token, clock=clock))
    return _answer(
        request, pages.CONFIRM_ASK if state == "pending" else pages.ALREADY_CONFIRMED, state
    )


@links.post(
    "/newsletter/confirm",
    tags=["newsletter"],
    response_model=NewsletterConsent,
    summary="Confirm the newsletter subscription (double opt-in; the page's button posts here)",
    responses={
        **_page_ok("Confirmed; repeating it changes nothing"),
        **_link_responses(403, 410, 413, 422, 503),
    },
)
def confirm_newsletter(
    request: Request, token: Token, clock: Annotated[Clock, Depends(get_clock)]
) -> Response:
    """Activate the newsletter consent recorded with the request."""
    before = _redeeming(lambda: downloads.confirm_newsletter(token, clock=clock))
    page = pages.CONFIRMED if before == "pending" else pages.ALREADY_CONFIRMED
    return _answer(request, page, "confirmed")


@links.get(
    "/newsletter/withdraw",
    tags=["newsletter"],
    response_model=NewsletterConsent,
    summary="The withdrawal link from the e-mail: shows a page with one button (changes nothing)",
    responses={
        **_page_ok("The consent the link would withdraw; `withdrawn`: none on file"),
        **_link_responses(403, 410, 413, 422, 503),
    },
)
def withdrawal_page(
    request: Request, token: Token, clock: Annotated[Clock, Depends(get_clock)]
) -> Response:
    """Read-only: the page's button (or a mail client's one-click POST) withdraws."""
    state = _redeeming(lambda: downloads.withdrawal_state(token, clock=clock))
    page = pages.NOT_SUBSCRIBED if state == "withdrawn" else pages.WITHDRAW_ASK
    return _answer(request, page, state)


@links.post(
    "/newsletter/withdraw",
    tags=["newsletter"],
    response_model=NewsletterConsent,
    summary="Withdraw newsletter consent (the page's button; RFC 8058 one-click unsubscribe)",
    responses={
        **_page_ok("Withdrawn: the consent record is deleted; repeating it changes nothing"),
        **_link_responses(403, 410, 413, 422, 503),
    },
)
def withdraw_newsletter(
    request: Request, token: Token, clock: Annotated[Clock, Depends(get_clock)]
) -> Response:
    """Delete the consent. Any body is accepted and ignored (`List-Unsubscribe=One-Click`)."""
    _redeeming(lambda: downloads.withdraw_newsletter(token, clock=clock))
    return _answer(request, pages.WITHDRAWN, "withdrawn")


router.include_router(links)
