"""The API function's fast path answers exactly as the FastAPI app behind Mangum does.

Hypothesis builds API Gateway events (HTTP API payload 2.0 and 1.0, REST API) for the hot
reads and their neighbours: real and random slugs, valid, invalid and repeated query
parameters (Danish letters, several percent-encodings), present and missing Origins,
matching and stale If-None-Match, odd hosts, methods and bodies. For each, the response of
the Lambda handler, and the fast path's own answer when it gives one, must equal the app's
response through Mangum: status, every header, body bytes, base64 flag. A fresh interpreter
then shows that a cold read never imports the framework.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

import boto3
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import event as statistic
from hypothesis import strategies as st
from moto.server import ThreadedMotoServer
from newsdesk import config
from newsdesk.api import fastpath
from newsdesk.dal import articles as store
from newsdesk.dal import keys
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import to_dynamo
from newsdesk.handlers import api
from newsdesk.models import Ebook

from infra.template.reading import create_table_request
from tests.conftest import REGION
from tests.factories import make_article, store_article

EVENTS = Path(__file__).resolve().parents[1] / "events"
ROOT = Path(__file__).resolve().parents[2]
ALLOWED = "https://www.example.dk"
CATEGORIES = ["Bolig", "Kultur", "Ældre & sundhed"]
TAGS = [["Fællesskab", "Ballerup"], ["Trafik"], ["Fællesskab", "Åen"]]
LABELS = ["Bolig", "bolig", " Bolig ", "Kultur", "Ældre & sundhed", "ÆLDRE  & SUNDHED"]
LABELS += ["Fællesskab", "fællesskab", "Åen", "Trafik", "Ballerup", "", "Øl"]


class Context:
    """The attributes of Lambda's context that Powertools and Mangum read."""

    function_name = "newsdesk-test-ApiFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:newsdesk-test"
    memory_limit_in_mb = 512
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/newsdesk-test-ApiFunction"
    log_stream_name = "2026/11/26/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's remaining time; constant here."""
        return 10_000


@dataclass(frozen=True)
class Corpus:
    """What the events can refer to: published slugs and cursors the store issued."""

    slugs: list[str]
    cursors: list[str]


@pytest.fixture
def corpus(aws: dict[str, Any]) -> Iterator[Corpus]:
    """Seven articles in three categories; the newest has related teasers and an e-book."""
    articles = [
        make_article(
            f"artikel-{index}",
            hours_ago=index,
            category=CATEGORIES[index % 3],
            tags=TAGS[index % 3],
            title=f"Æbler og øl i Ballerup nr. {index}",
        )
        for index in range(7)
    ]
    for article in articles:
        store_article(article)
    newest = keys.article_pk(articles[0].slug)
    teasers = [store.teaser_attributes(a.teaser()) for a in articles[1:5]]
    ebook = Ebook(id="ballerup-shopping", title="Ballerups bedste shopping", description="Butikker")
    for item in (
        {"PK": newest, "SK": keys.RELATED_SK, "teasers": teasers},
        {"PK": newest, "SK": keys.ARTICLE_EBOOK_SK, "ebook": ebook.model_dump(mode="json")},
    ):
        dynamodb().put_item(TableName=aws["table"], Item=to_dynamo(item))
    cursors = [
        page.next_cursor
        for page in (
            store.list_teasers(limit=2),
            store.list_teasers(category="Bolig", limit=1),
            store.list_teasers(tag="Fællesskab", limit=1),
            store.list_teasers(tag="Fællesskab", category="Bolig", limit=1),
            store.list_teasers(author="asta-petersen", limit=1),
        )
        if page.next_cursor
    ]
    api.asgi_adapter.cache_clear()
    yield Corpus(slugs=[a.slug for a in articles], cursors=cursors)
    api.asgi_adapter.cache_clear()


# --- events as API Gateway sends them --------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One HTTP request before API Gateway turns it into an event."""

    method: str
    path: str  # as on the wire (percent-encoded)
    query: str  # as on the wire
    headers: list[tuple[str, str]]
    body: str | None = None


def _joined(pairs: list[tuple[str, str]], separator: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]}{separator}{value}" if name in joined else value
    return joined


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return multi


def http_api_v2(request: Request) -> dict[str, Any]:
    """HTTP API payload 2.0: lower-case headers joined by commas, the raw query string."""
    event: dict[str, Any] = json.loads((EVENTS / "apigw-http-get-article.json").read_text())
    headers = [(name.lower(), value) for name, value in request.headers]
    event["rawPath"] = request.path
    event["rawQueryString"] = request.query
    event["headers"] = _joined(headers, ",")
    event["requestContext"]["http"]["method"] = request.method
    event["requestContext"]["http"]["path"] = request.path
    event["pathParameters"] = {"proxy": request.path.lstrip("/")}
    params = parse_qsl(request.query, keep_blank_values=True)
    if params:
        event["queryStringParameters"] = _joined(params, ",")
    if request.body is not None:
        event["body"] = request.body
        event["isBase64Encoded"] = True
    return event


def rest_v1(request: Request, *, version: str | None = None) -> dict[str, Any]:
    """REST API (or HTTP API payload 1.0): decoded parameters, single and multi-value maps."""
    event: dict[str, Any] = json.loads((EVENTS / "apigw-rest-get-article.json").read_text())
    if version is not None:
        event["version"] = version
    params = parse_qsl(request.query, keep_blank_values=True)
    event["httpMethod"] = event["requestContext"]["httpMethod"] = request.method
    event["path"] = request.path
    event["requestContext"]["path"] = f"/prod{request.path}"
    event["pathParameters"] = {"proxy": request.path.lstrip("/")}
    event["queryStringParameters"] = dict(params) or None
    event["multiValueQueryStringParameters"] = _multi(params) or None
    event["headers"] = dict(request.headers)
    event["multiValueHeaders"] = _multi(request.headers)
    if request.body is not None:
        event["body"] = request.body
        event["isBase64Encoded"] = True
    return event


def to_event(request: Request, shape: str) -> dict[str, Any]:
    """The event of `request` in one of the three shapes Mangum accepts from API Gateway."""
    if shape == "2.0":
        return http_api_v2(request)
    return rest_v1(request, version="1.0" if shape == "1.0" else None)


# --- strategies -------------------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_ENCODERS = [
    lambda s: quote(s, safe=""),
    quote_plus,
    lambda s: quote(s, safe="/:,+@"),
]


@st.composite
def slugs(draw: st.DrawFn, corpus: Corpus) -> str:
    """Path segments: real slugs, slug-shaped and free text, each percent-encoded somehow."""
    slug = draw(
        st.one_of(
            st.sampled_from(corpus.slugs),
            st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True),
            st.sampled_from(["Artikel-1", "artikel_1", "..", "a.b~c", "æble-og-øl", "a b", "a/b"]),
            _TEXT,
        )
    )
    return draw(st.sampled_from([*_ENCODERS, lambda s: quote(s, safe="-._~")]))(slug)


def _params(corpus: Corpus) -> st.SearchStrategy[tuple[str, str]]:
    limits = st.one_of(
        st.integers(1, 50).map(str),
        st.integers(1, 50).map(str),
        st.sampled_from(["0", "51", "-1", "", "012", "5.0", " 7", "1_0", "abc", "٣", "1e1"]),
    )
    labels = st.one_of(
        st.sampled_from(LABELS), _TEXT, st.text("æøåÆØÅab ", min_size=99, max_size=102)
    )
    cursors = st.one_of(
        st.sampled_from(corpus.cursors),
        st.sampled_from(corpus.cursors).map(lambda c: c[:-1] + ("0" if c[-1] != "0" else "1")),
        st.sampled_from(["garbage", "!!!", ".", "", "eyJQSyI6MX0.abc", "abc.ø", "x" * 2049]),
        _TEXT,
    )
    return st.one_of(
        st.tuples(st.just("limit"), limits),
        st.tuples(st.just("category"), labels),
        st.tuples(st.just("tag"), labels),
        st.tuples(st.just("author"), st.one_of(st.just("asta-petersen"), labels)),
        st.tuples(st.just("cursor"), cursors),
        st.tuples(st.sampled_from(["utm_source", "Limit", "fbclid"]), _TEXT),
    )


@st.composite
def requests(draw: st.DrawFn, corpus: Corpus, base_path: str = "") -> tuple[Request, str, str]:
    """(request, event shape, If-None-Match mode) for the hot reads and their neighbours."""
    route = draw(st.sampled_from(["list", "list", "article", "article", "article", "other"]))
    if route == "list":
        path = "/articles"
    elif route == "article":
        path = "/articles/" + draw(slugs(corpus))
    else:
        path = draw(st.sampled_from(["/articles/", "/articles/a/b", "/ebooks", "/", "//articles"]))
    pairs = draw(st.lists(_params(corpus), max_size=3))
    encode = draw(st.sampled_from(_ENCODERS))
    query = "&".join(f"{name}={encode(value)}" for name, value in pairs)
    origin = draw(
        st.sampled_from([None, ALLOWED, ALLOWED, "https://evil.example", "", "null", ALLOWED + "/"])
    )
    headers = [
        ("Host", draw(st.sampled_from(["127.0.0.1:3000", "api.example.dk", "api.example.dk"]))),
        ("User-Agent", "Mozilla/5.0"),
        ("Accept", "application/json"),
    ]
    if draw(st.integers(0, 19)) == 0:  # what API Gateway passes on from odd clients
        if draw(st.booleans()):  # the only Host
            headers.pop(0)
        headers.append(
            draw(
                st.sampled_from(
                    [
                        ("Host", "bad/host"),
                        ("Host", "[::1]"),
                        ("Host", "a:b:c"),
                        ("Host", "[::1]:3000"),
                        ("X-Forwarded-Proto", "ftp"),
                        ("X-Forwarded-Port", "port"),
                        ("Accept-Language", "da-DK,da;q=0.9"),
                        ("X-Note", "blåbær"),
                        ("Origin", ALLOWED),  # a second Origin header
                    ]
                )
            )
        )
    if origin is not None:
        headers.append((draw(st.sampled_from(["Origin", "origin"])), origin))
    method = draw(st.sampled_from(["GET"] * 12 + ["HEAD", "OPTIONS", "POST"]))
    if method == "OPTIONS" and draw(st.booleans()):
        headers.append(("Access-Control-Request-Method", "GET"))
    body = draw(st.sampled_from([None] * 19 + ["e30="]))
    shape = draw(st.sampled_from(["2.0", "2.0", "1.0", "rest"]))
    if_none_match = draw(st.sampled_from([None, "match", "match", "weak", "list", "*", "stale"]))
    return Request(method, base_path + path, query, headers, body), shape, str(if_none_match)


# --- parity -----------------------------------------------------------------------------


def _with_if_none_match(request: Request, shape: str, mode: str) -> dict[str, Any]:
    """The event, with an If-None-Match header built from the app's own ETag when asked."""
    if mode == "None":
        return to_event(request, shape)
    first = _outcome(lambda: api.through_app(to_event(request, shape), Context()))
    etag = first.get("headers", {}).get("etag") if isinstance(first, dict) else None
    etag = etag or '"0123456789abcdef0123456789abcdef"'
    value = {
        "match": etag,
        "weak": f"W/{etag}",
        "list": f'"other", {etag}',
        "*": "*",
        "stale": '"0123456789abcdef0123456789abcdef"',
    }[mode]
    headers = [*request.headers, ("If-None-Match", value)]
    return to_event(
        Request(request.method, request.path, request.query, headers, request.body), shape
    )


def _outcome(call: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | str | None:
    """The response, or the exception that escaped (Mangum itself raises on a broken Host)."""
    try:
        return call()
    except Exception as error:  # compared below, not hidden
        return f"raised {type(error).__name__}: {error}"


def assert_parity(event: dict[str, Any], base_path: str = "/") -> Any:
    """The fast path (when it answers) gives exactly the app's response, and the handler the
    app's response to the event with repeated slashes merged and the Host made parseable
    (`api.merge_slashes`, `api.plain_host`) — never an exception."""
    through_app = _outcome(lambda: api.through_app(copy.deepcopy(event), Context()))
    fast = _outcome(lambda: fastpath.answer(copy.deepcopy(event), base_path=base_path))
    if fast is not None:
        assert fast == through_app
    cleaned = api.plain_host(api.merge_slashes(copy.deepcopy(event)))
    expected = (
        through_app
        if cleaned == event
        else _outcome(lambda: api.through_app(copy.deepcopy(cleaned), Context()))
    )
    handled = _outcome(lambda: api.handler(copy.deepcopy(event), Context()))  # type: ignore[arg-type]
    assert handled == expected
    assert isinstance(handled, dict), handled
    return through_app


def check_drawn(
    data: st.DataObject, corpus: Corpus, prefix: str = "", base_path: str = "/"
) -> None:
    """Draw a request, record which path answered it, and assert parity."""
    request, shape, mode = data.draw(requests(corpus, prefix))
    event = _with_if_none_match(request, shape, mode)
    note(json.dumps(event, ensure_ascii=False))
    statistic("fast path" if fastpath.answer(event, base_path=base_path) else "app")
    assert_parity(event, base_path)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fast_path_answers_exactly_as_the_app(corpus: Corpus, data: st.DataObject) -> None:
    check_drawn(data, corpus)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_base_path_is_stripped_as_mangum_does(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    """A custom domain mapped at /nyheder: Mangum's `api_gateway_base_path`."""
    monkeypatch.setenv("API_BASE_PATH", "/nyheder")
    config.settings.cache_clear()
    api.asgi_adapter.cache_clear()
    prefix = data.draw(st.sampled_from(["/nyheder", "/nyheder", "", "/nyhederne"]))
    check_drawn(data, corpus, prefix, base_path="nyheder")


def _get(path: str, query: str = "", **headers: str) -> Request:
    return Request("GET", path, query, [("Host", "api.example.dk"), *headers.items()])


@pytest.mark.parametrize("shape", ["2.0", "1.0", "rest"])
def test_hot_reads_take_the_fast_path(corpus: Corpus, shape: str) -> None:
    """Without these the parity above could hold with the fast path never answering."""
    newest = f"/articles/{corpus.slugs[0]}"
    page = assert_parity(to_event(_get(newest, Origin=ALLOWED), shape))
    etag = page["headers"]["etag"]
    answered = {
        "article": to_event(_get(newest, Origin=ALLOWED), shape),
        "304": to_event(_get(newest, **{"If-None-Match": etag}), shape),
        "404": to_event(_get("/articles/findes-ikke"), shape),
        "list": to_event(_get("/articles", "category=%C3%86ldre+%26+sundhed&limit=2"), shape),
        "next page": to_event(_get("/articles", f"limit=2&cursor={corpus.cursors[0]}"), shape),
        "foreign cursor": to_event(_get("/articles", "cursor=abc.%C3%B8"), shape),
    }
    for name, event in answered.items():
        assert fastpath.answer(event) is not None, name
        assert_parity(event)
    body = json.loads(page["body"])
    assert [t["slug"] for t in body["related"]] == corpus.slugs[1:5]
    assert body["ebook"]["id"] == "ballerup-shopping"
    assert not [name for name in page["headers"] if name.startswith("access-control-")]
    problem = api.handler(answered["foreign cursor"], Context())  # type: ignore[arg-type]
    assert problem["statusCode"] == 404
    assert problem["headers"]["content-type"] == "application/problem+json"
    assert json.loads(base64.b64decode(problem["body"]))["type"].endswith("/invalid-cursor")


@pytest.mark.parametrize("shape", ["2.0", "1.0", "rest"])
def test_the_app_answers_everything_else(corpus: Corpus, shape: str) -> None:
    slug = corpus.slugs[0]
    declined = {
        "HEAD (405 in the app)": Request("HEAD", f"/articles/{slug}", "", []),
        "preflight": Request(
            "OPTIONS",
            "/articles",
            "",
            [("Origin", ALLOWED), ("Access-Control-Request-Method", "GET")],
        ),
        "invalid limit (422)": _get("/articles", "limit=0"),
        "repeated parameter": _get("/articles", "limit=2&limit=3"),
        "too long a category (422)": _get("/articles", "category=" + "x" * 101),
        "body": Request("GET", "/articles", "", [], "e30="),
        "other route": _get("/ebooks"),
        "trailing slash (404)": _get("/articles/"),
        "encoded slash": _get("/articles/a%2Fb"),
        "non-ASCII header": _get("/articles", **{"X-Note": "blåbær"}),
    }
    for name, request in declined.items():
        event = to_event(request, shape)
        assert fastpath.answer(event) is None, name
        assert_parity(event)
    head = api.handler(to_event(declined["HEAD (405 in the app)"], shape), Context())  # type: ignore[arg-type]
    assert head["statusCode"] == 405


# --- the cold path imports no framework ---------------------------------------------------

_PROBE = """
import json, sys
from newsdesk.handlers.api import handler

class Context:
    function_name = "probe"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:probe"
    memory_limit_in_mb = 512
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/probe"
    log_stream_name = "probe"
    def get_remaining_time_in_millis(self):
        return 10_000

FRAMEWORKS = ("fastapi", "starlette", "mangum")
report = []
for event in json.loads(sys.argv[1]):
    status = handler(event, Context())["statusCode"]
    loaded = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in FRAMEWORKS})
    report.append([status, loaded])
print(json.dumps(report))
"""


PROBE_TABLE = "newsdesk-fastpath-probe"


@pytest.mark.slow
def test_cold_reads_never_import_the_framework() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)
        client.create_table(**create_table_request(PROBE_TABLE))
        article = make_article("inklusion-i-praksis")
        for item in store.article_items(article, source_key="articles/inklusion-i-praksis.md"):
            client.put_item(TableName=PROBE_TABLE, Item=to_dynamo(item))
        events = [
            to_event(_get("/articles/inklusion-i-praksis", Origin=ALLOWED), "2.0"),
            to_event(_get("/articles", "limit=1"), "rest"),
            to_event(_get("/articles/findes-ikke"), "2.0"),
            to_event(Request("POST", "/ebooks/x/requests", "", []), "2.0"),  # the app's
        ]
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, json.dumps(events)],
            env={
                "PATH": os.environ["PATH"],
                "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "TABLE_NAME": PROBE_TABLE,
                "CONTENT_BUCKET": "newsdesk-probe-content",
                "SES_SENDER": "nyhedsbrev@example.com",
                "EBOOK_TOKEN_SECRET": "newsdesk-probe/ebook-token-key",
                "PREVIEW_TOKEN_SECRET": "newsdesk-probe/preview-token",  # pragma: allowlist secret
                "API_BASE_PATH": "/",
                "AWS_LAMBDA_FUNCTION_NAME": "probe",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report[:3] == [[200, []], [200, []], [404, []]], done.stderr
    status, loaded = report[3]
    assert loaded == ["fastapi", "mangum", "starlette"] and status != 500


@pytest.mark.slow
@pytest.mark.parametrize(("initialization", "built"), [("on-demand", False), ("snap-start", True)])
def test_snapstart_init_builds_the_app_into_the_snapshot(initialization: str, built: bool) -> None:
    """Under SnapStart the app is built in init (snapshotted); on demand only when needed."""
    probe = (
        "import sys, newsdesk.handlers.api as api; "
        "print(api.asgi_adapter.cache_info().currsize, 'fastapi' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={
            "PATH": os.environ["PATH"],
            "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
            "AWS_LAMBDA_INITIALIZATION_TYPE": initialization,
            "TABLE_NAME": "newsdesk-probe",
            "CONTENT_BUCKET": "newsdesk-probe-content",
            "AWS_DEFAULT_REGION": REGION,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == (["1", "True"] if built else ["0", "False"])


@pytest.mark.parametrize("host", ["[::1]", "a:b:c", "[::1]:3000", "api.example.dk:x"])
@pytest.mark.parametrize("path", ["/articles", "/ebooks", "/openapi.json"])
def test_no_host_header_makes_a_500(corpus: Corpus, host: str, path: str) -> None:
    """Mangum splits Host on ':' and int()s the port; such a Host never reaches it."""
    event = to_event(Request("GET", path, "", [("Host", host)]), "2.0")
    answer = api.handler(event, Context())  # type: ignore[arg-type]
    assert answer["statusCode"] in {200, 404}, answer
