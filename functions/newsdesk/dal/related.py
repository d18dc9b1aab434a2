"""Related-list store: profiles, postings, document frequencies, lists and the reverse index.

Items (all outside the page prefix "A#" except the shown list):

| item | PK | SK |
| --- | --- | --- |
| shown list (page) | `ARTICLE#<slug>` | `A#RELATED` (`teasers`: 4, each with `reason`) |
| selected list | `ARTICLE#<slug>` | `R#CANDIDATES` (`entries`: score, reason, rank; `version`) |
| profile | `ARTICLE#<slug>` | `R#PROFILE` (`pending` until its sync finished) |
| reverse index | `ARTICLE#<shown>` | `R#REFBY#<owner>`: `<owner>`'s list holds `<shown>` |
| pin index | `ARTICLE#<pinned>` | `R#PINBY#<owner>`: `<owner>` pins `<pinned>` (live or not) |
| posting | `RPOST#<feature>` | `<rank>#<slug>` (`slug`, `weight`): terms by weight, else newest |
| document frequency | `RDF#<feature>` | `RDF` (`df`) |
| corpus size | `RSTATS` | `RSTATS` (`documents`) |
| applied delta | `RAPPLIED#<marker>` | same (TTL): a frequency update is applied at most once |
| recompute job | `RJOB#related-recompute` | same |
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from pydantic import TypeAdapter

from newsdesk.config import settings
from newsdesk.dal import keys
from newsdesk.dal.articles import teaser_attributes
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import Item, from_dynamo, to_dynamo
from newsdesk.liveness import is_live
from newsdesk.related_records import SHOWN, Entry, Profile, posting_rank

PROFILE_SK = "R#PROFILE"
CANDIDATES_SK = "R#CANDIDATES"
REFBY_PREFIX = "R#REFBY#"
PINBY_PREFIX = "R#PINBY#"
MAINTENANCE_PREFIX = "R#"
POSTING_PREFIX = "RPOST#"
FREQUENCY_PREFIX = "RDF#"
FREQUENCY_SK = "RDF"
STATS_KEY = "RSTATS"
APPLIED_PREFIX = "RAPPLIED#"
JOB_KEY = "RJOB#related-recompute"
# Idempotency markers only need to outlive stream retries (24 h) and redeliveries.
_MARKER_TTL_SECONDS = 3 * 24 * 3600
# Profiles and kept lists are stored as one JSON string each: a fraction of the size and
# parsing cost of the same data as nested DynamoDB maps, and never queried attribute-wise.
_ENTRIES = TypeAdapter(list[Entry])
_BATCH_GET = 100
_BATCH_WRITE = 25
_RETRY_PAUSE = 0.05


@dataclass(frozen=True)
class ListState:
    """A kept candidate list as stored, with the version that guards concurrent updates."""

    entries: list[Entry]
    version: int


@dataclass(frozen=True)
class ArticleState:
    """Everything of one article partition the maintainer needs, from one Query."""

    meta: Item | None
    profile: Profile | None
    candidates: ListState | None
    referrers: list[str] = field(default_factory=list)
    pinners: list[str] = field(default_factory=list)
    # The stored profile's sync did not finish (its lists may lag): run it again.
    pending: bool = False


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _table() -> str:
    return settings().table_name


def _list_state(item: Item) -> ListState:
    return ListState(
        entries=_ENTRIES.validate_json(item.get("entries", "[]")),
        version=int(item.get("version", 0)),
    )


def _profile(item: Item) -> Profile:
    return Profile.model_validate_json(item["profile"])


def load_state(slug: str) -> ArticleState:
    """META, profile, list, referrers and pinners of an article (one consistent Query)."""
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": keys.article_pk(slug)}},
        "ConsistentRead": True,
    }
    meta = profile = candidates = None
    pending = False
    referrers: list[str] = []
    pinners: list[str] = []
    while True:
        response = dynamodb().query(**request)
        for item in map(from_dynamo, response.get("Items", [])):
            sk = item["SK"]
            if sk == keys.ARTICLE_SK:
                meta = item
            elif sk == PROFILE_SK:
                profile = _profile(item)
                pending = bool(item.get("pending", False))
            elif sk == CANDIDATES_SK:
                candidates = _list_state(item)
            elif sk.startswith(REFBY_PREFIX):
                referrers.append(sk.removeprefix(REFBY_PREFIX))
            elif sk.startswith(PINBY_PREFIX):
                pinners.append(sk.removeprefix(PINBY_PREFIX))
        if "LastEvaluatedKey" not in response:
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return ArticleState(
        meta=meta,
        profile=profile,
        candidates=candidates,
        referrers=referrers,
        pinners=pinners,
        pending=pending,
    )


def _batch_get(item_keys: list[dict[str, Any]]) -> list[Item]:
    """BatchGetItem in chunks, retrying unprocessed keys."""
    found: list[Item] = []
    shape: dict[str, Any] = {"ConsistentRead": True}
    for start in range(0, len(item_keys), _BATCH_GET):
        pending: dict[str, Any] = {
            _table(): {"Keys": item_keys[start : start + _BATCH_GET], **shape}
        }
        while pending:
            response = dynamodb().batch_get_item(RequestItems=pending)
            found.extend(map(from_dynamo, response.get("Responses", {}).get(_table(), [])))
            pending = response.get("UnprocessedKeys") or {}
            if pending:
                time.sleep(_RETRY_PAUSE)
    return found


def batch_write(requests: list[dict[str, Any]]) -> None:
    """BatchWriteItem in chunks of 25 put/delete requests, retrying unprocessed ones."""
    for start in range(0, len(requests), _BATCH_WRITE):
        pending: dict[str, Any] = {_table(): requests[start : start + _BATCH_WRITE]}
        while pending:
            response = dynamodb().batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if pending:
                time.sleep(_RETRY_PAUSE)


def _put(item: Item) -> dict[str, Any]:
    return {"PutRequest": {"Item": to_dynamo(item)}}


def _delete(pk: str, sk: str) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": _key(pk, sk)}}


def get_stats(features: Iterable[str]) -> tuple[int, dict[str, int]]:
    """Corpus size and the document frequency of each feature asked for."""
    wanted = sorted(set(features))
    item_keys = [_key(STATS_KEY, STATS_KEY)] + [
        _key(FREQUENCY_PREFIX + f, FREQUENCY_SK) for f in wanted
    ]
    documents = 0
    frequencies: dict[str, int] = {}
    for item in _batch_get(item_keys):
        if item["PK"] == STATS_KEY:
            documents = int(item.get("documents", 0))
        else:
            frequencies[item["PK"].removeprefix(FREQUENCY_PREFIX)] = int(item.get("df", 0))
    return documents, frequencies


def _claim(marker: str) -> bool:
    """Record that a delta is being applied; False if it was claimed before (a redelivery)."""
    pk = APPLIED_PREFIX + marker
    item = {"PK": pk, "SK": pk, "expires_at": int(time.time()) + _MARKER_TTL_SECONDS}
    try:
        dynamodb().put_item(
            TableName=_table(),
            Item=to_dynamo(item),
            ConditionExpression="attribute_not_exists(PK)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _add(pk: str, sk: str, attribute: str, delta: int) -> None:
    dynamodb().update_item(
        TableName=_table(),
        Key=_key(pk, sk),
        UpdateExpression="ADD #a :d",
        ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":d": {"N": str(delta)}},
    )


def apply_frequency_delta(marker: str, deltas: Mapping[str, int], documents: int) -> None:
    """Add `deltas` to document frequencies and `documents` to the corpus size, at most once.

    The marker is claimed first, so a redelivered record never counts an article twice;
    an attempt that dies half-way leaves counts slightly low until the next full recompute
    (frequencies only weigh terms, they never decide what is published). One small UpdateItem
    per feature: the count per publish is the article's vocabulary, whatever the corpus size.
    """
    if not _claim(marker):
        return
    if documents:
        _add(STATS_KEY, STATS_KEY, "documents", documents)
    for feature, delta in sorted(deltas.items()):
        if delta:
            _add(FREQUENCY_PREFIX + feature, FREQUENCY_SK, "df", delta)


def delta_marker(slug: str, before: str, after: str) -> str:
    """Stable id of one transition of an article (old version → new version)."""
    return hashlib.sha256(f"{slug}\x00{before}\x00{after}".encode()).hexdigest()[:32]


def put_frequencies(frequencies: Mapping[str, int], documents: int) -> None:
    """Overwrite the statistics with exact counts (full recompute)."""
    requests = [_put({"PK": STATS_KEY, "SK": STATS_KEY, "documents": documents})]
    requests += [
        _put({"PK": FREQUENCY_PREFIX + f, "SK": FREQUENCY_SK, "df": df})
        for f, df in sorted(frequencies.items())
    ]
    batch_write(requests)


def frequency_deletes(features: Iterable[str]) -> list[dict[str, Any]]:
    """Delete requests for the frequency items of features no article has any more."""
    return [_delete(FREQUENCY_PREFIX + f, FREQUENCY_SK) for f in sorted(features)]


class DynamoPostings:
    """Posting lists in the table, and the all-articles index: one bounded Query per read."""

    def postings(self, feature: str, limit: int) -> list[tuple[str, float]]:
        """The first `limit` postings of `feature`, strongest (or newest) first."""
        response = dynamodb().query(
            TableName=_table(),
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": POSTING_PREFIX + feature}},
            ProjectionExpression="slug, weight",
            Limit=limit,
        )
        rows = map(from_dynamo, response.get("Items", []))
        return [(row["slug"], float(row["weight"])) for row in rows]

    def around(self, feature: str, published_at: datetime, limit: int) -> list[str]:
        """Up to `limit` newer and `limit` older postings of a newest-first posting list."""
        rank = posting_rank(feature, 1.0, published_at)
        slugs: list[str] = []
        for condition, forward in (("SK < :r", False), ("SK >= :r", True)):
            response = dynamodb().query(
                TableName=_table(),
                KeyConditionExpression=f"PK = :pk AND {condition}",
                ExpressionAttributeValues={
                    ":pk": {"S": POSTING_PREFIX + feature},
                    ":r": {"S": rank},
                },
                ProjectionExpression="slug",
                ScanIndexForward=forward,
                Limit=limit,
            )
            slugs += [row["slug"] for row in map(from_dynamo, response.get("Items", []))]
        return slugs

    def nearest(self, published_at: datetime, limit: int) -> list[str]:
        """Up to `limit` newer and `limit` older live articles (the all-articles index)."""
        mark = keys.list_sk(published_at, "")
        slugs: list[str] = []
        for condition, forward in (("GSI1SK >= :t", True), ("GSI1SK < :t", False)):
            response = dynamodb().query(
                TableName=_table(),
                IndexName=keys.LIST_INDEX,
                KeyConditionExpression=f"GSI1PK = :pk AND {condition}",
                ExpressionAttributeValues={
                    ":pk": {"S": keys.ALL_ARTICLES},
                    ":t": {"S": mark},
                },
                ProjectionExpression="slug, #s",
                ExpressionAttributeNames={"#s": "status"},
                ScanIndexForward=forward,
                Limit=limit,
            )
            rows = map(from_dynamo, response.get("Items", []))
            slugs += [row["slug"] for row in rows if is_live(row)]
        return slugs


def posting_key(feature: str, weight: float, published_at: datetime, slug: str) -> tuple[str, str]:
    """(PK, SK) of one posting."""
    return POSTING_PREFIX + feature, f"{posting_rank(feature, weight, published_at)}#{slug}"


def posting_writes(
    slug: str,
    old: tuple[Mapping[str, float], datetime] | None,
    new: tuple[Mapping[str, float], datetime] | None,
) -> list[dict[str, Any]]:
    """Write requests turning an article's old postings into its new ones (only the changes)."""
    before = {posting_key(f, w, old[1], slug): w for f, w in old[0].items()} if old else {}
    after = {posting_key(f, w, new[1], slug): w for f, w in new[0].items()} if new else {}
    requests = [_delete(pk, sk) for pk, sk in before if (pk, sk) not in after]
    requests += [
        _put({"PK": pk, "SK": sk, "slug": slug, "weight": weight})
        for (pk, sk), weight in after.items()
        if (pk, sk) not in before
    ]
    return requests


def profile_write(profile: Profile, *, pending: bool = False) -> dict[str, Any]:
    """The write request storing a profile (`pending` while its sync is under way)."""
    item: Item = {
        "PK": keys.article_pk(profile.slug),
        "SK": PROFILE_SK,
        "fingerprint": profile.fingerprint,
        "profile": profile.model_dump_json(),
    }
    if pending:
        item["pending"] = True
    return _put(item)


def put_profile(profile: Profile, *, pending: bool = False) -> None:
    """Store a profile; a sync stores it pending first and settled when its lists are done."""
    item = profile_write(profile, pending=pending)["PutRequest"]["Item"]
    dynamodb().put_item(TableName=_table(), Item=item)


def pin_writes(slug: str, before: Iterable[str], after: Iterable[str]) -> list[dict[str, Any]]:
    """Pin-index changes when `slug`'s pins go from `before` to `after`."""
    old, new = set(before), set(after)
    requests = [
        _put({"PK": keys.article_pk(p), "SK": PINBY_PREFIX + slug, "owner": slug})
        for p in sorted(new - old)
    ]
    requests += [_delete(keys.article_pk(p), PINBY_PREFIX + slug) for p in sorted(old - new)]
    return requests


def live_slugs() -> list[str]:
    """Every live article's slug (the all-articles index; small corpora only)."""
    return sorted(meta["slug"] for meta in iter_article_metas(projection=True) if is_live(meta))


def get_documents() -> int:
    """The live-corpus size as counted by the statistics."""
    return get_stats(())[0]


def get_profiles_and_lists(
    slugs: Iterable[str],
) -> tuple[dict[str, Profile], dict[str, ListState]]:
    """Profiles and kept lists of several articles in as few BatchGetItem calls as possible."""
    wanted = sorted(set(slugs))
    item_keys = [
        _key(keys.article_pk(slug), sk) for slug in wanted for sk in (PROFILE_SK, CANDIDATES_SK)
    ]
    profiles: dict[str, Profile] = {}
    lists: dict[str, ListState] = {}
    for item in _batch_get(item_keys):
        slug = item["PK"].removeprefix(keys.ARTICLE_PREFIX)
        if item["SK"] == PROFILE_SK:
            profiles[slug] = _profile(item)
        else:
            lists[slug] = _list_state(item)
    return profiles, lists


def get_profiles(slugs: Iterable[str]) -> dict[str, Profile]:
    """Profiles of several articles (missing ones are absent from the answer)."""
    item_keys = [_key(keys.article_pk(slug), PROFILE_SK) for slug in sorted(set(slugs))]
    return {
        item["PK"].removeprefix(keys.ARTICLE_PREFIX): _profile(item)
        for item in _batch_get(item_keys)
    }


def get_lists(slugs: Iterable[str]) -> dict[str, ListState]:
    """Kept lists of several articles."""
    item_keys = [_key(keys.article_pk(slug), CANDIDATES_SK) for slug in sorted(set(slugs))]
    return {
        item["PK"].removeprefix(keys.ARTICLE_PREFIX): _list_state(item)
        for item in _batch_get(item_keys)
    }


def get_list(slug: str) -> ListState | None:
    """The current kept list of one article (consistent read)."""
    response = dynamodb().get_item(
        TableName=_table(), Key=_key(keys.article_pk(slug), CANDIDATES_SK), ConsistentRead=True
    )
    item = response.get("Item")
    return _list_state(from_dynamo(item)) if item else None


def _shown(entries: list[Entry]) -> list[Item]:
    return [teaser_attributes(e.teaser) | {"reason": e.reason} for e in entries[:SHOWN]]


def list_writes(slug: str, entries: list[Entry], previous: ListState | None) -> list[Item]:
    """Plain items of a list change: candidates, shown teasers, reverse-index puts and deletes.

    Each element is `{"put": item}` or `{"delete": (pk, sk)}`.
    """
    version = (previous.version if previous else 0) + 1
    changes: list[Item] = [
        {
            "put": {
                "PK": keys.article_pk(slug),
                "SK": CANDIDATES_SK,
                "entries": _ENTRIES.dump_json(entries).decode(),
                "version": version,
            }
        }
    ]
    old_entries = previous.entries if previous else []
    if previous is None or _shown(old_entries) != _shown(entries):
        changes.append(
            {
                "put": {
                    "PK": keys.article_pk(slug),
                    "SK": keys.RELATED_SK,
                    "teasers": _shown(entries),
                }
            }
        )
    before = {e.slug for e in old_entries}
    after = {e.slug for e in entries}
    changes += [
        {"put": {"PK": keys.article_pk(s), "SK": REFBY_PREFIX + slug, "owner": slug}}
        for s in sorted(after - before)
    ]
    changes += [
        {"delete": (keys.article_pk(s), REFBY_PREFIX + slug)} for s in sorted(before - after)
    ]
    return changes


def save_list(slug: str, entries: list[Entry], previous: ListState | None) -> bool:
    """Replace a kept list if nobody changed it since `previous` was read.

    The conditional write of the candidates is the commit point. Shown teasers and new
    reverse-index entries are written just before it (a failed commit is retried and rewrites
    them), entries that left the list lose their reverse-index item just after it (a stale one
    only costs a needless update later). False when another writer got there first.
    """
    changes = list_writes(slug, entries, previous)
    commit = changes[0]["put"]
    before = [_put(c["put"]) for c in changes[1:] if "put" in c]
    after = [_delete(*c["delete"]) for c in changes[1:] if "delete" in c]
    batch_write(before)
    condition: dict[str, Any] = (
        {"ConditionExpression": "attribute_not_exists(PK)"}
        if previous is None
        else {
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(previous.version)}},
        }
    )
    try:
        dynamodb().put_item(TableName=_table(), Item=to_dynamo(commit), **condition)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    batch_write(after)
    return True


def list_requests(changes: Iterable[Item]) -> list[dict[str, Any]]:
    """List changes as unconditional write requests (full recompute: no concurrent writer)."""
    return [
        _put(change["put"]) if "put" in change else _delete(*change["delete"]) for change in changes
    ]


def delete_list(slug: str, previous: ListState) -> None:
    """Remove an article's own list, its shown teasers and the reverse index of its entries."""
    requests = [
        _delete(keys.article_pk(slug), CANDIDATES_SK),
        _delete(keys.article_pk(slug), keys.RELATED_SK),
    ]
    requests += [_delete(keys.article_pk(e.slug), REFBY_PREFIX + slug) for e in previous.entries]
    batch_write(requests)


def delete_profile_item(slug: str) -> None:
    """Delete an article's profile (it is no longer a candidate or a pin)."""
    dynamodb().delete_item(TableName=_table(), Key=_key(keys.article_pk(slug), PROFILE_SK))


def delete_profile(slug: str, referrers: Iterable[str]) -> None:
    """Forget an unpublished article's profile and reverse index (the last step of a removal).

    Its pin index entries stay: they name who pins it, so those pages get it back when it
    goes live again.
    """
    delete_profile_item(slug)
    batch_write([_delete(keys.article_pk(slug), REFBY_PREFIX + r) for r in sorted(set(referrers))])


def iter_article_metas(page_size: int = 500, *, projection: bool = False) -> Iterator[Item]:
    """Every stored article item, newest first (the all-articles list index).

    `projection` reads only the slug and status (enough to list the live ones).
    """
    request: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": keys.LIST_INDEX,
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": keys.ALL_ARTICLES}},
        "Limit": page_size,
    }
    if projection:
        request["ProjectionExpression"] = "slug, #s"
        request["ExpressionAttributeNames"] = {"#s": "status"}
    while True:
        response = dynamodb().query(**request)
        yield from map(from_dynamo, response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def get_job() -> Item | None:
    """The recompute checkpoint, if a run is in progress or finished."""
    response = dynamodb().get_item(
        TableName=_table(), Key=_key(JOB_KEY, JOB_KEY), ConsistentRead=True
    )
    item = response.get("Item")
    return from_dynamo(item) if item else None


def put_job(job: Mapping[str, Any]) -> None:
    """Store the recompute checkpoint."""
    dynamodb().put_item(TableName=_table(), Item=to_dynamo({"PK": JOB_KEY, "SK": JOB_KEY, **job}))
