"""Related teasers: quality on the sample content, cost per publish, recall against brute force.

Everything runs in process on moto. Articles are stored the way the publisher stores them and
the related handler receives stream records shaped as DynamoDB Streams delivers them, filtered
with the template's FilterCriteria. Figures are printed, never asserted on timing.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws
from newsdesk import config
from newsdesk.dal import clients, keys
from newsdesk.dal import related as related_store
from newsdesk.dal.articles import article_items, get_article, list_teasers
from newsdesk.dal.codec import Item, from_dynamo, to_dynamo
from newsdesk.handlers.related import handler
from newsdesk.logic.publishing.parsing import parse_article
from newsdesk.logic.related.scoring import SHOWN
from newsdesk.models import Article

from infra.local import patterns
from infra.local.template import create_table_request, load_template, resources

CONTENT = Path(__file__).resolve().parents[1] / "content"
REGION = "eu-north-1"
ACCOUNT = "123456789012"
TABLE_NAME = "newsdesk-bench"
HANDLER = "newsdesk.handlers.related.handler"
MAIN_SLUG = "inklusion-i-praksis"
RECEIVED_AT = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


# --- Stream records and the trigger, as the template declares it -------------------------


def related_trigger() -> dict[str, Any]:
    """Properties of the DynamoDB event of the function whose handler is the related one."""
    for resource in resources("AWS::Serverless::Function", load_template()).values():
        props = resource["Properties"]
        if props.get("Handler") == HANDLER:
            for event in props.get("Events", {}).values():
                if event.get("Type") == "DynamoDB":
                    trigger: dict[str, Any] = event["Properties"]
                    return trigger
    raise LookupError(f"no DynamoDB trigger for {HANDLER} in template.yaml")


def trigger_filters() -> list[Mapping[str, Any]]:
    """The trigger's FilterCriteria patterns, parsed."""
    filters = related_trigger().get("FilterCriteria", {}).get("Filters", [])
    return [patterns.parse(f["Pattern"]) for f in filters]


def stream_record(
    event_name: str, new: Item | None, old: Item | None, sequence: int, table: str
) -> dict[str, Any]:
    """One record as Lambda receives it from a NEW_AND_OLD_IMAGES stream (typed JSON)."""
    image = new if new is not None else old
    assert image is not None
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": int(time.time()),
        "Keys": to_dynamo({"PK": image["PK"], "SK": image["SK"]}),
        "SequenceNumber": f"{sequence:021d}",
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        body["NewImage"] = to_dynamo(new)
    if old is not None:
        body["OldImage"] = to_dynamo(old)
    body["SizeBytes"] = len(json.dumps(body))
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": body,
        "eventSourceARN": (
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}/stream/2026-11-01T00:00:00.000"
        ),
    }


@dataclass
class LambdaContext:
    """The context attributes Powertools reads."""

    function_name: str = "RelatedFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:RelatedFunction"
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def get_remaining_time_in_millis(self) -> int:
        """Plenty: the template's timeout is not simulated here."""
        return 60_000


@dataclass
class Newsroom:
    """Publishes and unpublishes like the publisher does and keeps the resulting stream."""

    table: str
    pending: list[dict[str, Any]] = field(default_factory=list)
    sequence: int = 100
    filtered_out: int = 0

    def _client(self) -> Any:
        return clients.dynamodb()

    def _partition(self, slug: str) -> dict[str, Item]:
        response = self._client().query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.article_pk(slug)}},
            ConsistentRead=True,
        )
        return {i["SK"]: i for i in map(from_dynamo, response.get("Items", []))}

    def _record(self, event_name: str, new: Item | None, old: Item | None) -> None:
        self.sequence += 1
        self.pending.append(stream_record(event_name, new, old, self.sequence, self.table))

    def publish(self, article: Article) -> None:
        """Write META and tag entries (replacing a previous version) and queue their records."""
        before = self._partition(article.slug)
        items = article_items(article, source_key=f"articles/{article.slug}.md")
        for item in items:
            self._client().put_item(TableName=self.table, Item=to_dynamo(item))
            old = before.get(item["SK"])
            self._record("MODIFY" if old else "INSERT", item, old)
        written = {item["SK"] for item in items}
        for sk, old in before.items():
            if sk.startswith(keys.TAG_SK_PREFIX) and sk not in written:
                self._delete(old)

    def unpublish(self, slug: str) -> None:
        """Delete META and tag entries and queue the REMOVE records."""
        for sk, old in self._partition(slug).items():
            if sk == keys.ARTICLE_SK or sk.startswith(keys.TAG_SK_PREFIX):
                self._delete(old)

    def _delete(self, old: Item) -> None:
        self._client().delete_item(
            TableName=self.table, Key=to_dynamo({"PK": old["PK"], "SK": old["SK"]})
        )
        self._record("REMOVE", None, old)

    def deliver(self, batch_size: int | None = None) -> list[dict[str, Any]]:
        """Hand the queued records that pass the filter to the handler, in batches."""
        size = batch_size or int(related_trigger().get("BatchSize", 100))
        filters = trigger_filters()
        accepted = [r for r in self.pending if patterns.matches_any(filters, r)]
        self.filtered_out += len(self.pending) - len(accepted)
        self.pending = []
        responses = []
        for start in range(0, len(accepted), size):
            event = {"Records": accepted[start : start + size]}
            responses.append(handler(event, LambdaContext()))
        return responses


def create_table(table: str = TABLE_NAME) -> None:
    """The template's table on the current (moto) endpoint."""
    boto3.client("dynamodb", region_name=REGION).create_table(**create_table_request(table))


@contextmanager
def moto_table(table: str = TABLE_NAME) -> Iterator[Newsroom]:
    """In-process moto with the template's table and the environment the function reads."""
    saved = {k: v for k, v in _environment(table).items()}
    import os  # noqa: PLC0415 - only the bench touches the process environment

    previous = {k: os.environ.get(k) for k in saved}
    os.environ.update(saved)
    config.settings.cache_clear()
    clients.reset()
    try:
        with mock_aws():
            create_table(table)
            yield Newsroom(table)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        config.settings.cache_clear()
        clients.reset()


def _environment(table: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "TABLE_NAME": table,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_NAMESPACE": "NewsdeskBench",
    }


# --- The sample content and the quality evaluation -----------------------------------------


def sample_articles(content: Path = CONTENT) -> list[Article]:
    """Every sample article, parsed by the publisher's own parser."""
    articles = []
    for path in sorted((content / "articles").iterdir()):
        if path.suffix in {".md", ".json"}:
            articles.append(
                parse_article(
                    f"articles/{path.name}",
                    path.read_bytes(),
                    received_at=RECEIVED_AT,
                    words_per_minute=200,
                )
            )
    return articles


def expected_related(content: Path = CONTENT) -> dict[str, list[str]]:
    """The editors' related slugs per article."""
    expected: dict[str, list[str]] = json.loads(
        (content / "expected_related.json").read_text(encoding="utf-8")
    )
    return expected


def precision(shown: list[str], expected: list[str]) -> float:
    """Share of the shown teasers the editors also chose."""
    return len(set(shown[:SHOWN]) & set(expected)) / SHOWN


@dataclass(frozen=True)
class Quality:
    """What the sample corpus gives for the main article, and the naive baseline."""

    shown: list[str]
    baseline: list[str]
    expected: list[str]
    ranking: list[tuple[str, float]]

    @property
    def precision(self) -> float:
        """Precision@4 of the related teasers."""
        return precision(self.shown, self.expected)

    @property
    def baseline_precision(self) -> float:
        """Precision@4 of "newest in the same category"."""
        return precision(self.baseline, self.expected)


def publish_in_order(newsroom: Newsroom, articles: list[Article]) -> None:
    """Publish one by one, oldest first, delivering the stream after each upload."""
    for article in sorted(articles, key=lambda a: a.published_at):
        newsroom.publish(article)
        newsroom.deliver()


def evaluate_quality(newsroom: Newsroom, slug: str = MAIN_SLUG) -> Quality:
    """Read the page through the API's store and compare with the editors' choice."""
    page = get_article(slug)
    assert page is not None, f"{slug} is not published"
    same_category = list_teasers(category=page.category, limit=SHOWN + 1).items
    baseline = [t.slug for t in same_category if t.slug != slug][:SHOWN]
    state = related_store.load_state(slug)
    ranking = [(e.slug, e.score) for e in (state.candidates.entries if state.candidates else [])]
    return Quality(
        shown=[t.slug for t in page.related],
        baseline=baseline,
        expected=expected_related()[slug],
        ranking=ranking,
    )


def print_quality(quality: Quality, title: str) -> None:
    """The quality figures, with the scores that justify the threshold."""
    print(f"\n{title}")
    print(f"  precision@4 related teasers       {quality.precision:.2f}  {quality.shown}")
    print(f"  precision@4 newest same category  {quality.baseline_precision:.2f}  "
          f"{quality.baseline}")
    print("  kept candidates (score):")
    for slug, value in quality.ranking:
        mark = "*" if slug in quality.expected else " "
        print(f"    {mark} {value:.3f}  {slug}")
