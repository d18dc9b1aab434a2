"""What every benchmark shares: moto's server with the template's table, the sample article
stored the way the publisher stores it, and the headers of its API Gateway HTTP API events."""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer
from newsdesk.dal import keys
from newsdesk.dal.articles import article_items, teaser_attributes
from newsdesk.dal.codec import to_dynamo
from newsdesk.logic.publishing.parsing import parse_article, parse_ebook
from newsdesk.models import Article, Ebook, Teaser

from infra.template.reading import create_table_request

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
FUNCTIONS = ROOT / "functions"
REGION = "eu-north-1"
TABLE_NAME = "newsdesk-bench"
SLUG = "inklusion-i-praksis"


@dataclass(frozen=True)
class Stack:
    """A running moto server holding the sample article; `env` points an SDK at it."""

    endpoint: str
    env: dict[str, str]


def _sample_path(name: str) -> Path:
    for suffix in (".md", ".json"):
        path = CONTENT / "articles" / f"{name}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(name)


def _article(name: str) -> Article:
    """One sample article, parsed and rendered as the publisher does."""
    path = _sample_path(name)
    return parse_article(
        f"articles/{path.name}",
        path.read_bytes(),
        received_at=datetime(2026, 11, 20, 7, tzinfo=UTC),
        words_per_minute=200,
    )


def sample_page() -> tuple[Article, list[Teaser], Ebook]:
    """The seed article, its four expected related teasers and its e-book."""
    related_names = json.loads((CONTENT / "expected_related.json").read_text())[SLUG]
    ebook = parse_ebook(
        "ebooks/ballerup-shopping.md", (CONTENT / "ebooks" / "ballerup-shopping.md").read_bytes()
    )
    return _article(SLUG), [_article(n).teaser() for n in related_names], ebook


def page_items(article: Article, related: list[Teaser], ebook: Ebook) -> list[dict[str, Any]]:
    """Every item of an article page: META and tag entries, related list, e-book copy."""
    pk = keys.article_pk(article.slug)
    return [
        *article_items(article, source_key=f"articles/{article.slug}.md"),
        {"PK": pk, "SK": keys.RELATED_SK, "teasers": [teaser_attributes(t) for t in related]},
        {"PK": pk, "SK": keys.ARTICLE_EBOOK_SK, "ebook": ebook.model_dump(mode="json")},
    ]


def aws_env(endpoint: str) -> dict[str, str]:
    """Environment of a function process talking to the moto server (SDK endpoint config)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "TABLE_NAME": TABLE_NAME,
        "CONTENT_BUCKET": "newsdesk-bench-content",
        "SES_SENDER": "nyhedsbrev@example.com",
        "EBOOK_TOKEN_SECRET": "newsdesk-bench/ebook-token-key",
        "API_BASE_PATH": "/",
        "POWERTOOLS_SERVICE_NAME": "newsdesk",
        "POWERTOOLS_METRICS_NAMESPACE": "Newsdesk",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


@contextmanager
def moto_stack(extra_articles: int = 30) -> Iterator[Stack]:
    """moto's server on a free loopback port with the template's table and the sample page."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the console
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # moto's backends live in this process and outlive a server: start from nothing.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
        env = aws_env(endpoint)
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        client.create_table(**create_table_request(TABLE_NAME))
        article, related, ebook = sample_page()
        items = page_items(article, related, ebook)
        for index in range(extra_articles):  # a list page that is full, with a next page
            filler = article.model_copy(
                update={"slug": f"artikel-{index}", "published_at": article.published_at}
            )
            items.extend(article_items(filler, source_key=f"articles/artikel-{index}.md"))
        for item in items:
            client.put_item(TableName=TABLE_NAME, Item=to_dynamo(item))
        yield Stack(endpoint=endpoint, env=env)
    finally:
        server.stop()


# The headers of every benchmarked request as API Gateway passes them on (the events are
# built by `infra.local.httpapi.request_event`, for the template's `ANY /{proxy+}` route).
HEADERS = {
    "accept": "application/json",
    "user-agent": "newsdesk-bench",
    "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
    "x-forwarded-for": "192.0.2.10",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
}


class LambdaContext:
    """The attributes of Lambda's context object that Powertools and Mangum read."""

    function_name = "newsdesk-bench-ApiFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-north-1:123456789012:function:newsdesk-bench"
    memory_limit_in_mb = 512
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/newsdesk-bench-ApiFunction"
    log_stream_name = "2026/11/20/[$LATEST]bench"

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's remaining time; constant here."""
        return 10_000


def machine() -> str:
    """One line naming the machine, for figures that mean something only with it."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()} "
        f"on {platform.system()} {platform.machine()}"
    )


def median_ms(samples: list[float]) -> float:
    """Median of seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def python() -> str:
    """The interpreter running the benchmark (the project's virtualenv)."""
    return sys.executable
