"""The same corpus in any order, with Lambda's at-least-once delivery: the same API, byte for byte.

A realistic corpus (the sample articles, an e-book's two halves, pins, a scheduled article, a
broken file, an edit, a broken edit, a delete) is uploaded to moto's versioned bucket in a
random interleaving that keeps each key's own history in order (S3 sequences a key's events;
across keys there is no order). S3's events reach the function the template names in any order,
some twice, some late (after the key was overwritten or deleted); the table's stream reaches
every stream function the template wires through its own FilterCriteria, in batches of at most
its BatchSize, some batches again (a retried batch), and after the go-live some records once
more (a late replay). The go-live schedule fires, twice. Then every GET route of the OpenAPI
document is read through the API function's handler and every report in S3 is read; all must
equal those of the same corpus published one file at a time.

The clock is injected (publish handler and API), so `processed_at` in reports and the
scheduled article's `published_at` are the same in both worlds. Excluded, because they record
when or in what order things happened, not what is live (`comparable`):
- an article's `updated_at` (the time S3 received the upload: real time) and so its ETag, a
  hash of the body that holds it;
- a report's warnings about pins (`related[n]`) and the e-book (`ebook`) that were not online
  when the file was processed: true at that moment, and the page fills in when they go live;
Every report must be in the one field order of `report_bytes` (so byte-equal when equal).
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
import random
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models.table import Table
from newsdesk.api import articles as api_articles
from newsdesk.dal.publishing import report_bytes
from newsdesk.handlers import api

from infra.local import motopatch, patterns
from infra.local.scheduler import complete, due
from infra.template.reading import handler_path, load_template, resources
from tests.conftest import SCHEDULE_GROUP, moto_world
from tests.integration.stream_tap import Context, StreamTap
from tests.integration.test_publish import Desk, LambdaContext

CONTENT = Path(__file__).resolve().parents[2] / "content"
# Uploads happen at T0; the scheduled article goes live at T0 + 2 h, and is fired at T0 + 3 h.
T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
LIVE_AT = T0 + timedelta(hours=2)

PLAIN = [
    "inklusion-i-praksis.md",
    "haveforeningerne-ballerups-byliv.md",
    "ballerup-satser-paa-blandede-boligomraader.md",
    "naar-faellesskab-skaber-trivsel.md",
    "naar-generationer-moedes.json",
    "nye-tage-i-skovlunde.md",
    "boligpriserne-i-ballerup-stiger.md",
    "torvecentret-genaabner.md",
    "juletraeet-taendes-paa-torvet.md",
    "vejarbejde-paa-ballerup-boulevard.md",
    "ny-cykelsti-maaloev-ballerup.md",
    "udsolgt-jazzaften-i-kulturhuset.md",
    "surdejsbageri-aabner-i-skovlunde.md",
]
PINNING = "madmarked-paa-torvet.md"
SCHEDULED = "svampetur-i-jonstrup-vang.md"
EDITED = "biblioteket-faar-laengere-aabent.md"
BROKEN_EDIT = "harrestrup-aa-faar-slyngninger-tilbage.md"
DELETED = "dm-i-banecykling-i-super-arena.md"
BROKEN_KEY = "articles/Ny artikel uden titel.md"


def _source(name: str) -> str:
    return (CONTENT / "articles" / name).read_text(encoding="utf-8")


def _front(text: str, name: str, value: str | None) -> str:
    """`text` with front-matter field `name` set to `value` (None: removed)."""
    line = re.compile(rf"^{name}:.*\n", re.MULTILINE)
    if value is None:
        return line.sub("", text, count=1)
    if line.search(text):
        return line.sub(lambda _: f"{name}: {value}\n", text, count=1)
    return text.replace("---\n", f"---\n{name}: {value}\n", 1)


def _histories() -> dict[str, list[bytes | None]]:
    """Each key's uploads in S3 order (None: a delete)."""
    histories: dict[str, list[bytes | None]] = {
        f"articles/{name}": [(CONTENT / "articles" / name).read_bytes()] for name in PLAIN
    }
    pins = (
        "[svampetur-i-jonstrup-vang, findes-ikke, dm-i-banecykling-i-super-arena,"
        " torvecentret-genaabner]"
    )
    histories[f"articles/{PINNING}"] = [_front(_source(PINNING), "related", pins).encode()]
    scheduled = _front(_source(SCHEDULED), "published_at", LIVE_AT.isoformat())
    histories[f"articles/{SCHEDULED}"] = [scheduled.encode()]
    edited = _front(_source(EDITED), "title", '"Biblioteket holder åbent til kl. 22 hele ugen"')
    edited = _front(edited, "category", "Livet")
    edited = _front(edited, "tags", "[Bibliotek, Aftenåbent, Ballerup]")
    histories[f"articles/{EDITED}"] = [_source(EDITED).encode(), edited.encode()]
    broken_edit = _front(_source(BROKEN_EDIT), "title", None)
    histories[f"articles/{BROKEN_EDIT}"] = [_source(BROKEN_EDIT).encode(), broken_edit.encode()]
    histories[f"articles/{DELETED}"] = [_source(DELETED).encode(), None]
    broken = (
        "---\nsummary: Ingen titel og en dato, der ikke findes\npublished_at: 31. juni\n---\n"
        "Tekst.\n"
    )
    histories[BROKEN_KEY] = [broken.encode()]
    for half in ("ballerup-shopping.md", "ballerup-shopping.pdf"):
        histories[f"ebooks/{half}"] = [(CONTENT / "ebooks" / half).read_bytes()]
    return histories


HISTORIES = _histories()
SLUGS = sorted(
    {Path(key).stem.lower().replace(" ", "-") for key in HISTORIES if key.startswith("articles/")}
    | {"findes-ikke"}
)
SEARCHES = ["fællesskab", "Ballerup", "torvet", "svampetur", "bibliotek aftenåbent", "e-bog"]
PAGE = 4


def _functions(event_type: str) -> list[str]:
    """Logical ids of the template's functions with an event source of `event_type`."""
    return sorted(
        logical_id
        for logical_id, function in resources("AWS::Serverless::Function", load_template()).items()
        if any(e["Type"] == event_type for e in function["Properties"].get("Events", {}).values())
    )


def _trigger(logical_id: str) -> dict[str, Any]:
    events = load_template()["Resources"][logical_id]["Properties"]["Events"]
    (trigger,) = [e["Properties"] for e in events.values() if e["Type"] == "DynamoDB"]
    return dict(trigger)


STREAM_FUNCTIONS = {
    logical_id: (
        int(_trigger(logical_id)["BatchSize"]),
        [
            patterns.parse(f["Pattern"])
            for f in _trigger(logical_id).get("FilterCriteria", {}).get("Filters", [])
        ],
    )
    for logical_id in _functions("DynamoDB")
}
(PUBLISH,) = _functions("S3")


def _handler(logical_id: str) -> Callable[..., dict[str, Any]]:
    module, _, name = handler_path(logical_id).rpartition(".")
    handler: Callable[..., dict[str, Any]] = getattr(importlib.import_module(module), name)
    return handler


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """One fresh moto world driven as Lambda drives the template's functions."""

    aws: dict[str, Any]
    clock: Clock
    rng: random.Random | None = None
    desk: Desk = field(init=False)
    tap: StreamTap = field(init=False)
    waiting: dict[str, list[dict[str, Any]]] = field(init=False)
    batches: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.desk = Desk(self.aws)
        self.tap = StreamTap(self.aws["table"])
        self.waiting = {logical_id: [] for logical_id in STREAM_FUNCTIONS}

    def s3(self, record: dict[str, Any]) -> None:
        """Invoke the publish function with one S3 event (Lambda retries a failed one)."""
        handler = _handler(PUBLISH)
        for attempt in range(3):
            try:
                handler({"Records": [record]}, LambdaContext())
                return
            except Exception:
                if attempt == 2:
                    raise

    def stream(self, *, everything: bool) -> None:
        """Poll the stream; each mapping delivers some (or all) of its waiting records."""
        for record in self.tap._new_records():
            self.seen.append(record)
            for logical_id, (_, filters) in STREAM_FUNCTIONS.items():
                if not filters or patterns.matches_any(filters, record):
                    self.waiting[logical_id].append(record)
        for logical_id, (batch_size, _) in STREAM_FUNCTIONS.items():
            queue = self.waiting[logical_id]
            while queue and (everything or (self.rng is not None and self.rng.random() < 0.5)):
                size = batch_size if self.rng is None else self.rng.randint(1, batch_size)
                batch, self.waiting[logical_id] = queue[:size], queue[size:]
                queue = self.waiting[logical_id]
                self.deliver(logical_id, batch)
                if everything is False:
                    break

    def deliver(self, logical_id: str, batch: list[dict[str, Any]]) -> None:
        response = _handler(logical_id)({"Records": batch}, Context(logical_id))
        assert response == {"batchItemFailures": []}, (logical_id, response)
        self.batches.append((logical_id, batch))

    def go_live(self, *, twice: bool) -> None:
        """The clock passes LIVE_AT; EventBridge Scheduler fires what is due (maybe twice)."""
        self.clock.now = LIVE_AT + timedelta(hours=1)
        scheduler = boto3.client("scheduler")
        for firing in due(scheduler, [SCHEDULE_GROUP], self.clock.now):
            for _ in range(2 if twice else 1):
                _handler(PUBLISH)(firing.payload, LambdaContext())
            complete(scheduler, firing)
        self.stream(everything=True)


def publish_in_order(world: World) -> None:
    """The reference: one file at a time, each event delivered once, at once, streams drained."""
    for key, history in HISTORIES.items():
        for data in history:
            world.s3(world.desk.put(key, data) if data is not None else world.desk.delete(key))
            world.stream(everything=True)
    world.go_live(twice=False)


def publish_shuffled(world: World, rng: random.Random) -> None:
    """Random interleaving of the keys' histories; events late, reordered and repeated."""
    remaining = {key: list(history) for key, history in HISTORIES.items()}
    pending: list[dict[str, Any]] = []
    delivered: list[dict[str, Any]] = []
    while remaining or pending:
        roll = rng.random()
        if remaining and (roll < 0.5 or not pending):
            key = rng.choice(sorted(remaining))
            data = remaining[key].pop(0)
            if not remaining[key]:
                del remaining[key]
            pending.append(
                world.desk.put(key, data) if data is not None else world.desk.delete(key)
            )
        elif roll < 0.9 or not delivered:
            record = pending.pop(rng.randrange(len(pending)))
            world.s3(record)
            delivered.append(record)
            if rng.random() < 0.2:  # delivered again later (at-least-once)
                pending.append(record)
        else:
            world.s3(rng.choice(delivered))  # a late duplicate of an event long done
        if rng.random() < 0.4:
            world.stream(everything=False)
        if world.batches and rng.random() < 0.1:  # a retried batch, delivered again
            world.deliver(*rng.choice(world.batches))
    world.stream(everything=True)
    world.go_live(twice=rng.random() < 0.5)
    # Late: old S3 events and stream records once more, after everything settled.
    for record in rng.sample(delivered, k=min(5, len(delivered))):
        world.s3(record)
    for logical_id, (batch_size, filters) in STREAM_FUNCTIONS.items():
        late = [r for r in world.seen if not filters or patterns.matches_any(filters, r)]
        late = rng.sample(late, k=min(batch_size, len(late)))
        world.deliver(logical_id, late)
    world.stream(everything=True)


def _get(path: str, params: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    """GET through the API function's handler, as HTTP API (payload 2.0) invokes it."""
    query = urlencode(params or {})
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "id.execute-api.eu-north-1.amazonaws.com", "accept": "*/*"},
        "queryStringParameters": dict(params) if params else None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "id",
            "domainName": "id.execute-api.eu-north-1.amazonaws.com",
            "domainPrefix": "id",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.7",
                "userAgent": "order-test",
            },
            "requestId": "id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "03/Dec/2026:19:03:58 +0000",
            "timeEpoch": 1796324638390,
        },
        "isBase64Encoded": False,
    }
    if event["queryStringParameters"] is None:
        del event["queryStringParameters"]
    response = api.handler(event, LambdaContext(function_name="ApiFunction"))
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    return response["statusCode"], headers, json.loads(body) if body else None


def _pages(path: str, params: dict[str, str]) -> list[tuple[int, dict[str, str], Any]]:
    """Every page of a cursor-paged list."""
    pages = []
    cursor: str | None = None
    while True:
        page = _get(path, {**params, **({"cursor": cursor} if cursor else {})})
        pages.append(page)
        cursor = (page[2] or {}).get("next_cursor") if page[0] == 200 else None
        if not cursor or len(pages) > 50:
            return pages


def served(world: World) -> dict[str, Any]:
    """Everything a reader or editor can read: every GET route, every report in S3."""
    seen: dict[str, Any] = {}
    seen["/categories"] = categories = _get("/categories")
    seen["/tags"] = tags = _get("/tags")
    seen["/ebooks"] = ebooks = _get("/ebooks")
    for slug in SLUGS:
        seen[f"/articles/{slug}"] = _get(f"/articles/{slug}")
    authors = {
        article[2]["author"]["slug"]
        for key, article in seen.items()
        if key.startswith("/articles/") and article[0] == 200
    }
    for slug in sorted(authors | {"findes-ikke"}):
        seen[f"/authors/{slug}"] = _get(f"/authors/{slug}")
    seen["/articles"] = _pages("/articles", {"limit": str(PAGE)})
    filters = [("category", c["slug"]) for c in categories[2]["items"]]
    filters += [("tag", t["slug"]) for t in tags[2]["items"]]
    filters += [("author", slug) for slug in sorted(authors)]
    filters += [("category", "findes-ikke"), ("tag", "Fællesskab")]
    for name, value in filters:
        seen[f"/articles?{name}={value}"] = _pages("/articles", {"limit": str(PAGE), name: value})
    for query in SEARCHES:
        seen[f"/search?q={query}"] = _pages("/search", {"q": query, "limit": str(PAGE)})
    for ebook in [e["id"] for e in ebooks[2]["items"]] + ["findes-ikke"]:
        seen[f"/ebooks/{ebook}"] = _get(f"/ebooks/{ebook}")
        seen[f"/ebooks/{ebook}/download"] = _get(f"/ebooks/{ebook}/download", {"token": "x"})
    s3 = world.aws["s3"]
    listing = s3.list_objects_v2(Bucket=world.aws["bucket"], Prefix="reports/")
    for obj in listing.get("Contents", []):
        body = s3.get_object(Bucket=world.aws["bucket"], Key=obj["Key"])["Body"].read()
        seen[f"s3://{obj['Key']}"] = body.decode("utf-8")
    return seen


MOMENTARY_WARNINGS = re.compile(r"^(ebook|related\[\d+\])$")


def _without_updated_at(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_updated_at(v) for k, v in value.items() if k != "updated_at"}
    if isinstance(value, list):
        return [_without_updated_at(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_without_updated_at(v) for v in value)
    return value


def comparable(seen: dict[str, Any]) -> dict[str, Any]:
    """`seen` without what records when or in which order things were processed."""
    kept: dict[str, Any] = {}
    for name, value in seen.items():
        if name.startswith("s3://"):
            report = json.loads(value)
            # Byte for byte: the one field order, however the report was (re)written.
            assert value.encode("utf-8") == report_bytes(report), name
            report["warnings"] = [
                w for w in report["warnings"] if not MOMENTARY_WARNINGS.match(w["field"])
            ]
            kept[name] = report
            continue
        kept[name] = _without_updated_at(value)
        for _, headers, _ in kept[name] if isinstance(kept[name], list) else [kept[name]]:
            headers.pop("etag", None)
    return kept


def _difference(path: str, expected: Any, actual: Any) -> str:
    """Where two answers first differ (readable in a failure message)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for name in sorted(expected.keys() | actual.keys(), key=str):
            if expected.get(name) != actual.get(name):
                return _difference(f"{path}.{name}", expected.get(name), actual.get(name))
    same_shape = isinstance(expected, list | tuple) and isinstance(actual, list | tuple)
    if same_shape and len(expected) == len(actual):
        for index, (one, other) in enumerate(zip(expected, actual, strict=True)):
            if one != other:
                return _difference(f"{path}[{index}]", one, other)
    return f"{path}: {str(expected)[:200]} != {str(actual)[:200]}"


@pytest.fixture
def worlds(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Run one way of publishing in a fresh world; what it serves."""

    def run(publish: Callable[..., None], rng: random.Random | None) -> dict[str, Any]:
        clock = Clock()
        monkeypatch.setattr(
            importlib.import_module(handler_path(PUBLISH).rpartition(".")[0]), "clock", clock
        )
        monkeypatch.setattr(api_articles, "clock", clock)
        with moto_world() as aws:
            world = World(aws, clock, rng)
            if rng is None:
                publish(world)
            else:
                publish(world, rng)
            return comparable(served(world))

    return run


REFERENCE: dict[str, Any] = {}


def reference(worlds: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    if not REFERENCE:
        REFERENCE.update(worlds(publish_in_order, None))
    return REFERENCE


@pytest.fixture(autouse=True)
def _moto_as_the_local_stack_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streams without the account endpoint; moto's transactions and queries as the local
    stack patches them (same outcomes, tests/integration/test_local_motopatch.py): moto's own
    deep-copies the whole table per transaction, 75% of this module's time otherwise."""
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    monkeypatch.setattr(
        dynamodb_models, "copy", types.SimpleNamespace(deepcopy=motopatch._deepcopy, copy=copy.copy)
    )
    monkeypatch.setattr(
        dynamodb_models.DynamoDBBackend, "transact_write_items", motopatch._transact_write_items
    )
    monkeypatch.setattr(Table, "query", motopatch._query)
    monkeypatch.setattr(Table, "all_items", motopatch._all_items)


def test_the_reference_world_is_what_the_editors_uploaded(
    worlds: Callable[..., dict[str, Any]],
) -> None:
    """The reference is itself right (else equal worlds prove little)."""
    seen = reference(worlds)
    status = {k: v[0] for k, v in seen.items() if k.startswith("/articles/")}
    assert status["/articles/dm-i-banecykling-i-super-arena"] == 404
    assert status["/articles/ny-artikel-uden-titel"] == 404
    assert status["/articles/findes-ikke"] == 404
    live = {k.removeprefix("/articles/") for k, s in status.items() if s == 200}
    assert len(live) == len(PLAIN) + 4  # pinning, scheduled (now live), edited, broken edit
    edited = seen["/articles/biblioteket-faar-laengere-aabent"][2]
    assert edited["title"] == "Biblioteket holder åbent til kl. 22 hele ugen"
    assert seen["/articles/harrestrup-aa-faar-slyngninger-tilbage"][2]["title"]
    pinned = seen["/articles/madmarked-paa-torvet"][2]["related"]
    assert [(t["slug"], t["reason"]) for t in pinned][:2] == [
        ("svampetur-i-jonstrup-vang", "pinned"),
        ("torvecentret-genaabner", "pinned"),
    ]
    assert seen["/articles/inklusion-i-praksis"][2]["ebook"]["id"] == "ballerup-shopping"
    report = seen[f"s3://reports/{BROKEN_KEY}.json"]
    assert report["status"] == "rejected"
    report = seen[f"s3://reports/articles/{BROKEN_EDIT}.json"]
    assert report["status"] == "rejected"
    listed = [i["slug"] for _, _, body in seen["/articles"] for i in body["items"]]
    assert sorted(listed) == sorted(live)


@hypothesis_settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a seed tells nothing
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.large_base_example],
)
@given(st.randoms(use_true_random=False))
def test_any_order_and_redelivery_serve_the_same_api_and_reports(
    worlds: Callable[..., dict[str, Any]], rng: random.Random
) -> None:
    expected = reference(worlds)
    actual = worlds(publish_shuffled, rng)
    differing = sorted(
        k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
    )
    assert not differing, [_difference(k, expected.get(k), actual.get(k)) for k in differing]
