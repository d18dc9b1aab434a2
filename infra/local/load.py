"""`make load`: bounded load on the local stack, then proof that nothing was lost.

Publishes a fixed number of generated articles (plus edits, broken edits, drafts and
deletions) through the content bucket while readers hit the API concurrently with a fixed
number of requests; waits for the triggers to settle; then checks the editor and reader
contracts:

- every upload and deletion has a report at `reports/<key>.json` with the final outcome;
- every live article is served with its latest title, every withdrawn one is 404, and a
  rejected edit left the previous version live;
- the newest-first list holds exactly the live articles;
- no related teaser points at an article that is not live, or shows a stale title.

It prints throughput, latency, error counts and the stack's resident memory (RSS) before
and after, and exits 1 on any inconsistency or server error. `--idle SECONDS` then leaves the
stack idle and prints its RSS growth (`--large-mb` first uploads one large object, the case
that used to grow without bound). Loopback only: by default it starts a private, empty
stack (`python -m infra.local` on free ports) and stops it afterwards; `--state
.local/stack.json` targets a running one.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import ClientError
from newsdesk.dal.publishing import report_key

from infra.local.serving import child_environment, interrupt

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = ("Bolig", "Kultur", "Trafik", "Livet")
TAGS = ("Fællesskab", "Ballerup", "Skovlunde", "Måløv", "Cykler", "Musik", "Natur", "Boliger")
LIVE, GONE = "published", "unpublished"


@dataclass
class Stack:
    """What the load needs from stack.json."""

    api_url: str
    endpoint: str
    bucket: str
    region: str
    pid: int | None = None


@dataclass
class Expected:
    """What one key should end as, after all its operations."""

    slug: str
    report: str
    title: str | None  # the title served, None when the article must be 404


@dataclass
class Tally:
    """Request outcomes and latencies, shared by the reader threads."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: str, seconds: float) -> None:
        """Count one request."""
        with self.lock:
            self.statuses[outcome] += 1
            self.latencies.append(seconds)


def _loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"refusing to load {url}: loopback only")


def _read_state(path: Path) -> Stack:
    info = json.loads(path.read_text(encoding="utf-8"))
    stack = Stack(
        api_url=info["api_url"].rstrip("/"),
        endpoint=info["aws_endpoint_url"],
        bucket=info["content_bucket"],
        region=info.get("region", "eu-north-1"),
        pid=info.get("pid"),
    )
    _loopback(stack.api_url)
    _loopback(stack.endpoint)
    return stack


@contextmanager
def private_stack(timeout: float = 180.0) -> Iterator[Path]:
    """An empty local stack on free loopback ports, stopped (Ctrl-C) when done."""
    with tempfile.TemporaryDirectory(prefix="newsdesk-load-") as scratch:
        state = Path(scratch) / "stack.json"
        log = (Path(scratch) / "stack.log").open("w")
        ports = ["--aws-port", "0", "--api-port", "0"]
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local", *ports, "--no-seed", "--state-dir", scratch],
            cwd=ROOT,
            env=child_environment(dict(os.environ)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while not state.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (Path(scratch) / "stack.log").read_text()[-3000:]
                    raise SystemExit(f"the local stack did not start:\n{tail}")
                time.sleep(0.2)
            yield state
        finally:
            interrupt(process)
            log.close()


class Editor:
    """Writes generated articles to the content bucket as an editor's S3 client would."""

    def __init__(self, stack: Stack, run: str, seed: int) -> None:
        self.s3 = boto3.client(
            "s3",
            endpoint_url=stack.endpoint,
            region_name=stack.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "max_attempts": 5}),
        )
        self.bucket = stack.bucket
        self.run = run
        self.random = random.Random(seed)
        self.words = _word_pool()

    def article(self, index: int, version: int) -> tuple[str, str, str]:
        """(key, title, Markdown) of article `index` in its `version`."""
        slug = f"last-{self.run}-{index:03d}"
        title = f"Belastning {index} version {version}: {self._sentence(5)}"
        tags = self.random.sample(TAGS, 3)
        published = datetime(2026, 11, 20, 8, tzinfo=UTC) - timedelta(minutes=index)
        paragraphs = "\n\n".join(self._sentence(40) for _ in range(4))
        text = (
            "---\n"
            f"title: {json.dumps(title, ensure_ascii=False)}\n"
            f"summary: {json.dumps(self._sentence(20), ensure_ascii=False)}\n"
            f"category: {CATEGORIES[index % len(CATEGORIES)]}\n"
            f"tags: {json.dumps(tags, ensure_ascii=False)}\n"
            "author: Asta Petersen\n"
            f"published_at: {published.isoformat()}\n"
            "---\n"
            f"{paragraphs}\n\n## {self._sentence(3)}\n\n{self._sentence(30)}\n"
        )
        return f"articles/{slug}.md", title, text

    def _sentence(self, words: int) -> str:
        return " ".join(self.random.choice(self.words) for _ in range(words)).capitalize()

    def put(self, key: str, text: str) -> None:
        """Upload one file."""
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=text.encode(),
            ContentType="text/markdown; charset=utf-8",
        )

    def delete(self, key: str) -> None:
        """Delete one file (unpublishes)."""
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def report(self, key: str) -> dict[str, Any] | None:
        """The publisher's report for `key`, if any."""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=report_key(key))["Body"]
        except ClientError:
            return None
        report: dict[str, Any] = json.loads(body.read())
        return report


def _word_pool() -> list[str]:
    """Danish words from the sample articles, so texts look like the magazine's."""
    words: set[str] = set()
    for path in sorted((ROOT / "content" / "articles").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---\n", 2)[-1]
        words.update(w.strip(".,:;–!?()\"'").lower() for w in body.split())
    return sorted(w for w in words if w.isalpha() and len(w) > 2)


type Steps = list[tuple[str, str, str]]


def plan(editor: Editor, articles: int) -> tuple[list[Steps], dict[str, Expected]]:
    """Per-key operation lists (kept in order on one worker) and each key's expected end.

    Every article is published; then about a sixth is edited, a tenth gets a broken edit
    (rejected: the previous version stays live), a tenth is deleted and a tenth turns draft.
    """
    operations: list[Steps] = []
    expected: dict[str, Expected] = {}
    for index in range(articles):
        key, title, text = editor.article(index, 1)
        slug = key.removeprefix("articles/").removesuffix(".md")
        steps = [("put", key, text)]
        end = Expected(slug=slug, report=LIVE, title=title)
        kind = index % 30
        if kind in {1, 7, 13, 19, 25}:
            _, title2, text2 = editor.article(index, 2)
            steps.append(("put", key, text2))
            end = Expected(slug=slug, report=LIVE, title=title2)
        elif kind in {2, 12, 22}:
            steps.append(("put", key, "---\ntitle: [unclosed\n---\nbroken front matter\n"))
            end = Expected(slug=slug, report="rejected", title=title)
        elif kind in {3, 17, 27}:
            steps.append(("delete", key, ""))
            end = Expected(slug=slug, report=GONE, title=None)
        elif kind in {4, 14, 24}:
            steps.append(("put", key, text.replace("author:", "status: draft\nauthor:", 1)))
            end = Expected(slug=slug, report=GONE, title=None)
        operations.append(steps)
        expected[key] = end
    return operations, expected


def publish(editor: Editor, operations: list[Steps], workers: int) -> int:
    """Run every key's operations in order, keys in parallel; the number of S3 writes."""

    def run(steps: Steps) -> int:
        for action, key, text in steps:
            if action == "put":
                editor.put(key, text)
            else:
                editor.delete(key)
        return len(steps)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(run, operations))


def read(api: httpx.Client, slugs: list[str], requests: int, workers: int, seed: int) -> Tally:
    """A fixed number of reads: article pages (some not yet published) and list pages."""
    tally = Tally()
    randomizer = random.Random(seed)
    paths = []
    for _ in range(requests):
        roll = randomizer.random()
        if roll < 0.55:
            paths.append(f"/articles/{randomizer.choice(slugs)}")
        elif roll < 0.75:
            paths.append("/articles?limit=12")
        elif roll < 0.9:
            paths.append(f"/articles?category={randomizer.choice(CATEGORIES)}")
        else:
            paths.append(f"/articles?tag={randomizer.choice(TAGS)}&limit=5")

    def get(path: str) -> None:
        started = time.perf_counter()
        try:
            status = api.get(path).status_code
        except httpx.HTTPError as error:
            tally.record(f"transport error ({type(error).__name__})", time.perf_counter() - started)
            return
        tally.record(str(status), time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(get, paths))
    return tally


def settle(editor: Editor, expected: dict[str, Expected], timeout: float) -> list[str]:
    """Wait until every key's report shows its final outcome; the keys that never did."""
    deadline = time.monotonic() + timeout
    waiting = dict(expected)
    while waiting and time.monotonic() < deadline:
        for key, end in list(waiting.items()):
            report = editor.report(key)
            if report is not None and report.get("status") == end.report:
                del waiting[key]
        if waiting:
            time.sleep(0.5)
    return [
        f"{key}: report {(editor.report(key) or {}).get('status')!r}, expected {end.report!r}"
        for key, end in waiting.items()
    ]


def all_listed(api: httpx.Client) -> dict[str, str]:
    """Every article the newest-first list holds: slug → title (all pages)."""
    listed: dict[str, str] = {}
    cursor: str | None = None
    for _ in range(1000):
        params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
        page = api.get("/articles", params=params).raise_for_status().json()
        listed.update((t["slug"], t["title"]) for t in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    return listed


def inconsistencies(api: httpx.Client, run: str, expected: dict[str, Expected]) -> list[str]:
    """Every way the served state differs from the uploads' final outcomes."""
    problems: list[str] = []
    listed = all_listed(api)
    live = {e.slug: e.title for e in expected.values() if e.title is not None}
    ours_listed = {slug for slug in listed if slug.startswith(f"last-{run}-")}
    if ours_listed != set(live):
        missing, extra = set(live) - ours_listed, ours_listed - set(live)
        problems.append(f"list: missing {sorted(missing)}, not live but listed {sorted(extra)}")
    for end in expected.values():
        response = api.get(f"/articles/{end.slug}")
        if end.title is None:
            if response.status_code != 404:
                problems.append(f"{end.slug}: withdrawn but answered {response.status_code}")
            continue
        if response.status_code != 200:
            problems.append(f"{end.slug}: live but answered {response.status_code}")
            continue
        page = response.json()
        if page["title"] != end.title:
            problems.append(f"{end.slug}: serves {page['title']!r}, latest is {end.title!r}")
        for teaser in page["related"]:
            if teaser["slug"] not in listed:
                problems.append(f"{end.slug}: related {teaser['slug']} is not published")
            elif teaser["title"] != listed[teaser["slug"]]:
                problems.append(f"{end.slug}: related {teaser['slug']} shows a stale title")
    return problems


def rss_mb(pid: int | None) -> float | None:
    """Resident memory of the stack's process in MB (Linux /proc), None where unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except (OSError, TypeError):
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def idle(stack: Stack, seconds: float, large_mb: int) -> None:
    """Leave the stack idle for `seconds` and print its RSS at the start, every minute and
    at the end (after uploading one object of `large_mb` MB under ebooks/, if asked)."""
    if large_mb:
        editor = Editor(stack, "idle", 0)
        editor.s3.put_object(
            Bucket=stack.bucket, Key="ebooks/stor-fil.pdf", Body=b"%PDF-1.7\n" * (large_mb << 17)
        )
        time.sleep(5)  # let the upload be handled before measuring
    start = rss_mb(stack.pid)
    what = f"one {large_mb} MB object" if large_mb else "no large object"
    print(f"idle     {seconds:.0f} s, {what}")
    print(f"           RSS {_mb(start)} at start")
    began = time.monotonic()
    while (left := seconds - (time.monotonic() - began)) > 0:
        time.sleep(min(60.0, left))
        print(f"           RSS {_mb(rss_mb(stack.pid))} after {time.monotonic() - began:.0f} s")
    end = rss_mb(stack.pid)
    if start is not None and end is not None:
        print(f"           growth {end - start:+.1f} MB in {seconds / 60:.1f} min")


def edits(stack: Stack, count: int, state: Path | None) -> None:
    """Re-upload the same 10 articles `count` times in all, each waiting for its report (an
    editor's long day); print the stack's RSS and its state directory's size ten times on
    the way, to show what grows per edit."""
    editor = Editor(stack, f"edits{os.getpid():x}", 0)
    folder = state.parent if state is not None else None
    print(f"edits    {count} re-uploads of 10 articles")
    for done in range(1, count + 1):
        key, _, text = editor.article((done - 1) % 10, done)
        sent = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        editor.put(key, text)
        deadline = time.monotonic() + 60
        while (editor.report(key) or {}).get("processed_at", "") < sent:
            if time.monotonic() > deadline:
                raise SystemExit(f"no report for {key} within 60 s")
            time.sleep(0.05)
        if done % max(1, count // 10) == 0 or done == count:
            size = (
                sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
                if folder is not None
                else None
            )
            print(
                f"           after {done:>5}: RSS {_mb(rss_mb(stack.pid))}, state dir "
                + ("n/a" if size is None else f"{size:.1f} MB")
            )


def _percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1] if len(values) > 1 else 0.0


def main(argv: list[str] | None = None) -> int:
    """Run the load against a private stack (default) or the one `--state` describes."""
    parser = argparse.ArgumentParser(prog="python -m infra.local.load", description=__doc__)
    parser.add_argument("--articles", type=int, default=40, help="articles to publish")
    parser.add_argument("--reads", type=int, default=600, help="API requests while publishing")
    parser.add_argument("--readers", type=int, default=6, help="concurrent readers")
    parser.add_argument("--editors", type=int, default=4, help="concurrent uploaders")
    parser.add_argument("--state", type=Path, help="stack.json of a running local stack")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to settle")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--idle", type=float, default=0.0, help="then idle N s, print RSS")
    parser.add_argument("--large-mb", type=int, default=0, help="upload one N MB object first")
    parser.add_argument(
        "--edits", type=int, default=0, help="then re-upload the same 10 articles N times in all"
    )
    args = parser.parse_args(argv)
    if args.state is not None:
        if not args.state.exists():
            raise SystemExit(f"{args.state} not found: is `make run` up?")
        return run(_read_state(args.state), args)
    with private_stack() as state:
        args.private_state = state
        return run(_read_state(state), args)


def run(stack: Stack, args: argparse.Namespace) -> int:
    """The load (if any articles), then the idle measurement (if asked)."""
    code = load(stack, args) if args.articles else 0
    if args.edits:
        edits(stack, args.edits, args.state or args.private_state)
    if args.idle:
        idle(stack, args.idle, args.large_mb)
    return code


def load(stack: Stack, args: argparse.Namespace) -> int:
    """Publish and read concurrently, settle, verify; print figures; 0 when consistent."""
    memory_before = rss_mb(stack.pid)
    run_id = f"{os.getpid():x}{int(time.time()) % 10_000:04d}"
    editor = Editor(stack, run_id, args.seed)
    operations, expected = plan(editor, args.articles)
    slugs = [e.slug for e in expected.values()]
    with httpx.Client(base_url=stack.api_url, timeout=30.0) as api:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            writes = pool.submit(publish, editor, operations, args.editors)
            reads = pool.submit(read, api, slugs, args.reads, args.readers, args.seed)
            tally = reads.result()
            written = writes.result()
        loaded = time.perf_counter() - started
        unsettled = settle(editor, expected, args.timeout)
        settled = time.perf_counter() - started
        problems = unsettled
        transient: list[str] | None = None
        deadline = time.monotonic() + args.timeout
        while not unsettled:  # related lists follow the table's stream: let them converge
            problems = inconsistencies(api, run_id, expected)
            transient = problems if transient is None else transient
            if not problems or time.monotonic() > deadline:
                break
            time.sleep(1.0)
    converged = time.perf_counter() - started
    server_errors = sum(n for s, n in tally.statuses.items() if not s.isdigit() or int(s) >= 500)
    finals = Counter(e.report for e in expected.values())
    print(f"load on {stack.api_url} (S3/DynamoDB at {stack.endpoint})")
    print(f"  writes   {written} S3 writes for {len(expected)} keys ({dict(finals)} expected)")
    print(f"           {written / loaded:.1f} writes/s while reading")
    print(f"  reads    {len(tally.latencies)} requests, {len(tally.latencies) / loaded:.1f}/s;")
    print(
        f"           p50 {_percentile(tally.latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {_percentile(tally.latencies, 0.95) * 1000:.0f} ms; statuses {dict(tally.statuses)}"
    )
    print("           (404 while reading: pages not published yet, or withdrawn)")
    print(
        f"  settle   every report final after {settled:.1f} s, consistent after {converged:.1f} s"
    )
    if transient:
        print(f"           when the reports were final, {len(transient)} differences remained:")
        for problem in transient[:5]:
            print(f"             {problem}")
    memory_after = rss_mb(stack.pid)
    grown = (
        ""
        if memory_before is None or memory_after is None
        else f" ({memory_after - memory_before:+.0f} MB)"
    )
    print(f"  memory   stack RSS {_mb(memory_before)} at start, {_mb(memory_after)} at end{grown}")
    print(f"  errors   {server_errors} server/transport errors; {len(problems)} inconsistencies")
    for problem in problems[:20]:
        print(f"    ✗ {problem}")
    ok = not problems and server_errors == 0
    print("  result   " + ("nothing lost, nothing inconsistent" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
