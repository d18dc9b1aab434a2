"""Related teasers: quality on the sample content, cost per publish, recall against brute force.

Everything runs in process on moto. Articles are stored the way the publisher stores them and
the related handler receives stream records shaped as DynamoDB Streams delivers them, filtered
with the template's FilterCriteria. Figures are printed, never asserted on timing.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from newsdesk.logic.related.maintenance import corpus_stats
from newsdesk.logic.related.recompute import recompute
from newsdesk.logic.related.scoring import select
from newsdesk.models import Article, Author
from newsdesk.related_records import PINS_ATTRIBUTE, SHOWN

from infra.local import patterns
from infra.template.reading import create_table_request, load_template, resources

CONTENT = Path(__file__).resolve().parents[2] / "content"
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

    def publish(self, article: Article, *, pins: tuple[str, ...] = (), status: str = "") -> None:
        """Write META and tag entries (replacing a previous version) and queue their records.

        `pins` are the editors' related slugs; a `status` other than live (e.g. "scheduled")
        stores the article as not yet live.
        """
        before = self._partition(article.slug)
        extra: Item = {PINS_ATTRIBUTE: list(pins)} if pins else {}
        if status:
            extra["status"] = status
        items = article_items(article, source_key=f"articles/{article.slug}.md", extra=extra)
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
    """The template's table on the current (moto) endpoint.

    Without its stream: the Newsroom builds the records Lambda would receive itself, and
    moto recording a stream of every bulk-loaded item would only slow the benchmark down.
    """
    request = create_table_request(table)
    request.pop("StreamSpecification", None)
    boto3.client("dynamodb", region_name=REGION).create_table(**request)


def bulk_loader(table: str = TABLE_NAME) -> Callable[[list[dict[str, Any]]], None]:
    """Write requests applied straight to moto's in-memory table (loading a corpus fixture).

    Same items as BatchWriteItem would store, without the HTTP round trip per 25 items, so a
    10,000-article corpus loads in seconds. Only fixtures and the bulk recompute use it; every
    measured publish goes through the real SDK calls.
    """
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415 - bench-only

    backend = dynamodb_backends[ACCOUNT][REGION]

    def write(requests: list[dict[str, Any]]) -> None:
        for request in requests:
            if "PutRequest" in request:
                backend.put_item(table, request["PutRequest"]["Item"])
            else:
                backend.delete_item(table, request["DeleteRequest"]["Key"])

    return write


@contextmanager
def moto_table(table: str = TABLE_NAME) -> Iterator[Newsroom]:
    """In-process moto with the template's table and the environment the function reads."""
    saved = _environment(table)
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
        "CONTENT_BUCKET": "newsdesk-bench-content",
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
    print(
        f"  precision@4 newest same category  {quality.baseline_precision:.2f}  {quality.baseline}"
    )
    print("  kept candidates (score):")
    for slug, value in quality.ranking:
        mark = "*" if slug in quality.expected else " "
        print(f"    {mark} {value:.3f}  {slug}")


# --- Synthetic corpus: Danish-like words with Zipfian frequencies, topics, tags --------------

_ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "sk", "st", "br"]
_VOWELS = ["a", "e", "i", "o", "u", "y", "æ", "ø", "å"]
_CODAS = ["", "n", "r", "l", "d", "nd", "ng", "st", "rt", "lle", "ning", "hed", "skab"]
_CATEGORIES = ["Bolig", "Livet", "Kultur", "Sport", "Trafik", "Natur", "Mad", "Erhverv", "Politik"]


def _word(rng: random.Random) -> str:
    syllables = rng.choice([1, 2, 2, 3])
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)) + (
        rng.choice(_CODAS)
    )


def _zipf(size: int, exponent: float = 1.07) -> list[float]:
    """Cumulative Zipf weights for ranks 1..size."""
    total, cumulative = 0.0, []
    for rank in range(1, size + 1):
        total += rank**-exponent
        cumulative.append(total)
    return cumulative


def synthetic_articles(count: int, seed: int = 7) -> list[Article]:
    """`count` articles: a shared Zipfian vocabulary ("ballerup" first), topic words, tags."""
    rng = random.Random(seed)
    words = sorted({_word(rng) for _ in range(12_000)} - {"ballerup"})[:7_999]
    rng.shuffle(words)
    vocabulary = ["ballerup", *words]
    common = _zipf(len(vocabulary))
    tag_names = sorted({_word(rng).capitalize() for _ in range(1_500)})[:1_000]
    tag_weights = _zipf(len(tag_names), 1.0)
    topics = [
        (
            rng.sample(vocabulary[300:], 40),
            rng.sample(tag_names, 4),
            rng.choice(_CATEGORIES),
        )
        for _ in range(max(10, count // 25))
    ]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    articles = []
    for index in range(count):
        words, tags, category = rng.choice(topics)

        def text(topical: int, general: int, words: list[str] = words) -> str:
            chosen = rng.choices(words, k=topical)
            chosen += rng.choices(vocabulary, cum_weights=common, k=general)
            rng.shuffle(chosen)
            return " ".join(chosen)

        article_tags = rng.sample(tags, 2) + rng.choices(tag_names, cum_weights=tag_weights)
        if rng.random() < 0.6:
            article_tags.append("Ballerup")
        published = start + timedelta(hours=index)
        articles.append(
            Article(
                slug=f"artikel-{index:05d}",
                title=text(3, 3).capitalize(),
                subtitle=text(3, 5).capitalize(),
                summary=text(6, 14).capitalize(),
                category=category if rng.random() < 0.85 else rng.choice(_CATEGORIES),
                tags=list(dict.fromkeys(article_tags)),
                author=Author.from_name("Asta Petersen"),
                reading_minutes=2,
                published_at=published,
                body_html="".join(f"<p>{text(12, 38)}.</p>" for _ in range(3)),
                updated_at=published,
            )
        )
    return articles


def bulk_store(articles: list[Article]) -> None:
    """Store published articles directly (the corpus that exists before the measurement)."""
    bulk_loader()(
        [
            {"PutRequest": {"Item": to_dynamo(item)}}
            for article in articles
            for item in article_items(article, source_key=f"articles/{article.slug}.md")
        ]
    )


# --- Cost and recall ---------------------------------------------------------------------


@contextmanager
def partition_queries() -> Iterator[None]:
    """Let moto answer a Query from the queried partition only.

    moto walks, sizes and sorts the whole table for every Query, which makes 10,000 articles
    impractically slow in process. This hands it only the items of the queried partition
    (of the table or of the index), so it returns the same items, order, limits and counts;
    the figures are counted from requests and responses, not from moto's speed.
    """
    from moto.dynamodb.models.table import Table  # noqa: PLC0415 - bench-only patch

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        everything = self.items
        if index_name is None:
            self.items = {hash_key: everything[hash_key]} if hash_key in everything else {}
        else:
            (index,) = [i for i in self.all_indexes() if i.name == index_name]
            (attribute,) = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            subset: dict[Any, dict[Any, Any]] = {}
            for table_hash, partition in everything.items():
                for range_key, item in partition.items():
                    value = item.attrs.get(attribute)
                    if value is not None and value == hash_key:
                        subset.setdefault(table_hash, {})[range_key] = item
            self.items = subset
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            self.items = everything

    Table.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original  # type: ignore[method-assign]


@dataclass
class CallCounter:
    """DynamoDB calls, items read and items written, from the SDK's own events."""

    calls: Counter[str] = field(default_factory=Counter)
    items_read: int = 0
    items_written: int = 0

    def attach(self, client: Any) -> None:
        """Count every call of `client` from now on."""
        client.meta.events.register("provide-client-params.dynamodb.*", self._request)
        client.meta.events.register("after-call.dynamodb.*", self._response)

    def reset(self) -> None:
        """Start a new measurement."""
        self.calls, self.items_read, self.items_written = Counter(), 0, 0

    def _request(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name in {"PutItem", "UpdateItem", "DeleteItem"}:
            self.items_written += 1
        elif model.name == "BatchWriteItem":
            self.items_written += sum(len(v) for v in params["RequestItems"].values())

    def _response(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in {"Query", "Scan"}:
            self.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif model.name == "GetItem":
            self.items_read += int("Item" in parsed)
        elif model.name == "BatchGetItem":
            self.items_read += sum(len(v) for v in parsed.get("Responses", {}).values())


@dataclass(frozen=True)
class Cost:
    """Figures of one corpus size."""

    corpus: int
    calls: float
    items_read: float
    items_written: float
    max_calls: int
    max_items_read: int
    recall: float
    seconds: float


def measure(corpus: int, publishes: int = 12, audited: int = 20, seed: int = 7) -> Cost:
    """Bulk-load `corpus` articles, then publish more one by one through the stream."""
    started = time.perf_counter()
    with moto_table() as room, partition_queries():
        articles = synthetic_articles(corpus + publishes, seed)
        existing, fresh = articles[:corpus], articles[corpus:]
        bulk_store(existing)
        recompute(write=bulk_loader(), chunk=1_000)
        counter = CallCounter()
        counter.attach(clients.dynamodb())
        per_publish: list[tuple[int, int, int]] = []
        for article in fresh:
            room.publish(article)
            counter.reset()
            room.deliver()
            per_publish.append(
                (sum(counter.calls.values()), counter.items_read, counter.items_written)
            )
        rng = random.Random(seed)
        sample = [a.slug for a in fresh] + [a.slug for a in rng.sample(existing, audited)]
        recall = _recall(sample, [a.slug for a in articles])
    count = len(per_publish)
    return Cost(
        corpus=corpus,
        calls=sum(c for c, _, _ in per_publish) / count,
        items_read=sum(r for _, r, _ in per_publish) / count,
        items_written=sum(w for _, _, w in per_publish) / count,
        max_calls=max(c for c, _, _ in per_publish),
        max_items_read=max(r for _, r, _ in per_publish),
        recall=recall,
        seconds=time.perf_counter() - started,
    )


def _recall(sample: list[str], everyone: list[str]) -> float:
    """Recall@4 of the stored shown lists against brute force over every profile."""
    profiles = related_store.get_profiles(everyone)
    others = list(profiles.values())
    stats = corpus_stats(others)
    lists = related_store.get_lists(sample)
    found = wanted = 0
    for slug in sample:
        exact = {e.slug for e in select(profiles[slug], others, stats)}
        shown = {e.slug for e in lists[slug].entries[:SHOWN]} if slug in lists else set()
        found += len(exact & shown)
        wanted += len(exact)
    return found / wanted if wanted else 1.0


def print_costs(costs: list[Cost], base_corpus: int = 1_000) -> None:
    """The per-publish figures and their growth against sqrt(corpus), from `base_corpus`."""
    base = next((c for c in costs if c.corpus == base_corpus), costs[0])
    print("\nRelated lists: cost of one publish (stream → lists), mean over the sampled publishes")
    print(f"  growth is against the {base.corpus}-article corpus; the bound is sqrt growth")
    print(
        f"  {'articles':>8} {'calls':>7} {'max':>5} {'items read':>10} {'max':>6} "
        f"{'written':>8} {'calls growth':>12} {'read growth':>11} {'sqrt growth':>11} "
        f"{'recall@4':>8} {'run s':>6}"
    )
    for cost in costs:
        calls = cost.calls / base.calls
        growth = cost.items_read / base.items_read
        bound = math.sqrt(cost.corpus / base.corpus)
        print(
            f"  {cost.corpus:>8} {cost.calls:>7.1f} {cost.max_calls:>5} {cost.items_read:>10.1f} "
            f"{cost.max_items_read:>6} {cost.items_written:>8.1f} {calls:>11.2f}x "
            f"{growth:>10.2f}x {bound:>10.2f}x {cost.recall:>8.3f} {cost.seconds:>6.0f}"
        )


def main(sizes: tuple[int, ...] = (100, 1_000, 10_000)) -> None:
    """Print quality on the sample content and on the evaluation corpus (test half, with the
    baselines), then cost and recall per corpus size."""
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("newsdesk").setLevel(logging.WARNING)  # the handlers' Powertools logger
    with moto_table() as room:
        publish_in_order(room, sample_articles())
        print_quality(evaluate_quality(room), "Related teasers of the sample article (streamed)")
    from infra.bench import related_eval  # noqa: PLC0415 - its own figures, printed here

    related_eval.main([])
    print_costs([measure(size) for size in sizes])


if __name__ == "__main__":
    main()
