"""Events the publish function and its on-failure consumer never get from AWS, and must survive.

A record S3 would never send (no key, no sequencer, a sequencer that is not hex, a key that is
not a string, …) sits in an event beside a real upload: the upload is published, the handler
answers instead of raising (a raise would retry the whole event and end in the on-failure
queue, where the same record failed again), and the odd record cannot reorder the key's later
events. The same holds for a go-live payload our schedules never send, and for an on-failure
record carrying such an event.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.test_publish import Desk, LambdaContext, article_file, live
from tests.integration.test_publish_failures import FailureQueues, on_failure_record

KEY = "articles/legeplads.md"

# What a hostile record can hold where S3 puts its fields.
JUNK = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FIELDS = [
    ("eventName",),
    ("eventSource",),
    ("s3",),
    ("s3", "bucket"),
    ("s3", "bucket", "name"),
    ("s3", "object"),
    ("s3", "object", "key"),
    ("s3", "object", "sequencer"),
    ("s3", "object", "versionId"),
]
MISSING = object()


@pytest.fixture
def desk(aws: dict[str, Any]) -> Desk:
    return Desk(aws)


@pytest.fixture
def queues(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> FailureQueues:
    return FailureQueues(monkeypatch)


def mutated(record: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """`record` with the field at `path` set to `value` (MISSING: removed)."""
    copied = copy.deepcopy(record)
    parent = copied
    for name in path[:-1]:
        parent = parent[name]
    if value is MISSING:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value
    return copied


@settings(
    max_examples=20,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(FIELDS), value=st.one_of(st.just(MISSING), JUNK))
def test_a_hostile_record_beside_an_upload_loses_nothing(
    desk: Desk, path: tuple[str, ...], value: Any
) -> None:
    good = desk.put(KEY, article_file(title="Ny legeplads"))
    hostile = mutated(desk.put("articles/anden.md", article_file(slug="anden")), path, value)
    result = desk.handler({"Records": [hostile, good]}, LambdaContext())
    assert [r["key"] for r in result["reports"]][-1] == KEY
    assert live("legeplads").title == "Ny legeplads"
    # The next upload of either key is still decided: no odd sequencer got ahead of it.
    assert desk.upload(KEY, article_file(title="Rettet"))["status"] == "published"
    assert live("legeplads").title == "Rettet"
    assert desk.upload("articles/anden.md", article_file(slug="anden"))["status"] == "published"


@pytest.mark.parametrize("sequencer", ["ZZZZ", "", " ", "0x1F", "1F" * 40, "ÆØÅ"])
def test_a_sequencer_that_is_not_s3s_orders_nothing(desk: Desk, sequencer: str) -> None:
    """It would sort after every real sequencer and freeze the key; it is skipped instead."""
    record = desk.put(KEY, article_file(title="Først"))
    record["s3"]["object"]["sequencer"] = sequencer
    assert desk.handler({"Records": [record]}, LambdaContext()) == {"reports": []}
    assert desk.upload(KEY, article_file(title="Bagefter"))["status"] == "published"
    assert live("legeplads").title == "Bagefter"


@pytest.mark.parametrize(
    "payload",
    [{}, None, "articles/x.md", [], {"key": KEY}, {"sequencer": "0A"}, {"key": 5, "sequencer": 1}],
)
def test_a_go_live_our_schedules_never_send_is_dropped(desk: Desk, payload: Any) -> None:
    assert desk.upload(KEY, article_file())["status"] == "published"
    before = desk.report(KEY)
    assert desk.handler({"go_live": payload}, LambdaContext()) == {"reports": []}
    assert desk.report(KEY) == before


def test_an_on_failure_record_of_hostile_records_reports_the_real_ones(
    desk: Desk, queues: FailureQueues
) -> None:
    good = desk.put(KEY, article_file())
    hostile = [
        mutated(good, ("s3", "object", "key"), MISSING),
        mutated(good, ("s3",), "x"),
        "not a record",
        mutated(good, ("s3", "object", "sequencer"), "ZZ"),
    ]
    record = on_failure_record(*hostile, good)  # type: ignore[arg-type]
    assert queues.deliver(record) == {"batchItemFailures": []}
    assert desk.report(KEY)["status"] == "failed"
    assert [json.loads(body) for body in queues.kept()] == [record]
