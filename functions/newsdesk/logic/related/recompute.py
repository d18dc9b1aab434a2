"""Full recompute of statistics, profiles, postings and lists (after weights or analysis change).

Three phases, each idempotent, with a checkpoint after every chunk so an interrupted run
resumes where it stopped: exact document frequencies; every profile, its postings and pin
index; every list (candidate generation against the same postings, held in memory for speed).
The lists it writes are those the stream maintains: the same selection, the same statistics.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from newsdesk.dal import keys
from newsdesk.dal import related as store
from newsdesk.liveness import is_live
from newsdesk.logic.related.candidates import candidate_pool, caps_for
from newsdesk.logic.related.maintenance import SMALL_CORPUS, corpus_stats
from newsdesk.logic.related.profile import analyse, posting_features
from newsdesk.logic.related.scoring import select
from newsdesk.related_records import Profile, posting_rank


class MemoryPostings:
    """The postings of a set of profiles, ordered exactly as the table orders them."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        index: dict[str, list[tuple[str, str, float]]] = {}
        timeline: list[tuple[str, str]] = []
        for profile in profiles:
            for feature, weight in posting_features(profile).items():
                _, sort_key = store.posting_key(feature, weight, profile.published_at, profile.slug)
                index.setdefault(feature, []).append((sort_key, profile.slug, weight))
            timeline.append((keys.list_sk(profile.published_at, profile.slug), profile.slug))
        self._index = {feature: sorted(rows) for feature, rows in index.items()}
        self._timeline = sorted(timeline)

    def postings(self, feature: str, limit: int) -> list[tuple[str, float]]:
        """The first `limit` postings of `feature`."""
        return [(slug, weight) for _, slug, weight in self._index.get(feature, [])[:limit]]

    def around(self, feature: str, published_at: datetime, limit: int) -> list[str]:
        """Up to `limit` newer and `limit` older postings (as `DynamoPostings.around`)."""
        rows = self._index.get(feature, [])
        cut = bisect.bisect_left(rows, (posting_rank(feature, 1.0, published_at),))
        newer = [slug for _, slug, _ in reversed(rows[max(cut - limit, 0) : cut])]
        return newer + [slug for _, slug, _ in rows[cut : cut + limit]]

    def nearest(self, published_at: datetime, limit: int) -> list[str]:
        """Up to `limit` newer and `limit` older articles (as `DynamoPostings.nearest`)."""
        cut = bisect.bisect_left(self._timeline, (keys.list_sk(published_at, ""),))
        newer = [slug for _, slug in self._timeline[cut : cut + limit]]
        older = [slug for _, slug in reversed(self._timeline[max(cut - limit, 0) : cut])]
        return newer + older


def _profiles() -> dict[str, Profile]:
    return {p.slug: p for p in map(analyse, filter(is_live, store.iter_article_metas()))}


def _frequencies(profiles: Iterable[Profile]) -> Counter[str]:
    return Counter(feature for profile in profiles for feature in profile.features)


def _chunks(slugs: list[str], after: str, size: int) -> Iterable[list[str]]:
    pending = [slug for slug in slugs if slug > after]
    for start in range(0, len(pending), size):
        yield pending[start : start + size]


type Job = dict[str, Any]
type Writer = Callable[[list[dict[str, Any]]], None]


def recompute(
    *,
    restart: bool = False,
    chunk: int = 200,
    progress: Callable[[str], None] = lambda _: None,
    write: Writer = store.batch_write,
) -> Job:
    """Run (or resume) a full recompute; returns the final checkpoint.

    `write` persists batches of put/delete requests (a bulk loader may stand in for
    BatchWriteItem when a benchmark builds a large corpus).
    """
    job = None if restart else store.get_job()
    if job is None or job.get("phase") == "done":
        job = {"phase": "stats", "cursor": "", "started_at": datetime.now(UTC).isoformat()}
        store.put_job(job)
    current: dict[str, Profile] | None = None
    if job["phase"] == "stats":
        current = _profiles()
        frequencies = _frequencies(current.values())
        store.put_frequencies(frequencies, len(current))
        progress(f"stats: {len(current)} articles, {len(frequencies)} features")
        job = _advance(job, "profiles")
    if job["phase"] == "profiles":
        current = current if current is not None else _profiles()
        job = _profiles_phase(job, current, chunk, progress, write)
    if job["phase"] == "lists":
        job = _lists_phase(job, sorted(current or store.live_slugs()), chunk, progress, write)
    return job


def _advance(job: Job, phase: str, **extra: str) -> Job:
    job = {**job, "phase": phase, "cursor": "", **extra}
    store.put_job(job)
    return job


def _profiles_phase(
    job: Job,
    current: dict[str, Profile],
    chunk: int,
    progress: Callable[[str], None],
    write: Writer,
) -> Job:
    """Every profile, its postings and pin index (resumable by slug)."""
    frequencies = _frequencies(current.values())
    for slugs in _chunks(sorted(current), str(job["cursor"]), chunk):
        old = store.get_profiles(slugs)
        # Features no article has any more lose their (stale) frequency item.
        gone = {f for p in old.values() for f in p.features if f not in frequencies}
        requests = store.frequency_deletes(gone)
        for slug in slugs:
            profile = current[slug]
            previous = old.get(slug)
            requests += store.posting_writes(
                slug,
                (posting_features(previous), previous.published_at) if previous else None,
                (posting_features(profile), profile.published_at),
            )
            requests += store.pin_writes(slug, previous.pins if previous else (), profile.pins)
            requests.append(store.profile_write(profile))
        write(requests)
        job = {**job, "cursor": slugs[-1]}
        store.put_job(job)
        progress(f"profiles: up to {slugs[-1]}")
    return _advance(job, "lists")


def _lists_phase(
    job: Job, slugs: list[str], chunk: int, progress: Callable[[str], None], write: Writer
) -> Job:
    """Every list, selected as the stream selects it (resumable by slug)."""
    profiles = store.get_profiles(slugs)
    stats = corpus_stats(profiles.values())
    postings = MemoryPostings(profiles.values())
    caps = caps_for(len(profiles))
    everyone = [profiles[s] for s in sorted(profiles)]
    for part in _chunks(sorted(profiles), str(job["cursor"]), chunk):
        old_lists = store.get_lists(part)
        changes = []
        for slug in part:
            owner = profiles[slug]
            if len(profiles) <= SMALL_CORPUS:
                candidates = everyone
            else:
                pool = candidate_pool(owner, postings, caps, stats)
                candidates = [profiles[s] for s in pool if s in profiles]
            pinned = {p: profiles[p] for p in owner.pins if p in profiles}
            entries = select(owner, candidates, stats, pinned)
            changes += store.list_writes(slug, entries, old_lists.get(slug))
        write(store.list_requests(changes))
        job = {**job, "cursor": part[-1]}
        store.put_job(job)
        progress(f"lists: up to {part[-1]}")
    return _advance(job, "done", finished_at=datetime.now(UTC).isoformat())
