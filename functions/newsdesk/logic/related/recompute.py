"""Full recompute of statistics, profiles, postings and lists (after weights or analysis change).

Three phases, each idempotent, with a checkpoint after every chunk so an interrupted run
resumes where it stopped: exact document frequencies; every profile and its postings; every
list (candidate generation against the same postings, held in memory for speed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from newsdesk.dal import related as store
from newsdesk.logic.related.candidates import candidate_pool, caps_for
from newsdesk.logic.related.profile import Analysis, analyse, posting_features, weigh
from newsdesk.logic.related.scoring import top
from newsdesk.related_records import Profile


class MemoryPostings:
    """The postings of a set of profiles, ordered exactly as the table orders them."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        index: dict[str, list[tuple[str, str, float]]] = {}
        for profile in profiles:
            for feature, weight in posting_features(profile).items():
                _, sort_key = store.posting_key(feature, weight, profile.published_at, profile.slug)
                index.setdefault(feature, []).append((sort_key, profile.slug, weight))
        self._index = {feature: sorted(rows) for feature, rows in index.items()}

    def postings(self, feature: str, limit: int) -> list[tuple[str, float]]:
        """The first `limit` postings of `feature`."""
        return [(slug, weight) for _, slug, weight in self._index.get(feature, [])[:limit]]


def _analyses() -> dict[str, Analysis]:
    return {a.slug: a for a in map(analyse, store.iter_article_metas())}


def _frequencies(analyses: Iterable[Analysis]) -> Counter[str]:
    return Counter(feature for analysis in analyses for feature in analysis.features)


def _chunks(slugs: list[str], after: str, size: int) -> Iterable[list[str]]:
    pending = [slug for slug in slugs if slug > after]
    for start in range(0, len(pending), size):
        yield pending[start : start + size]


def recompute(
    *,
    restart: bool = False,
    chunk: int = 200,
    progress: Callable[[str], None] = lambda _: None,
    write: Callable[[list[dict[str, Any]]], None] = store.batch_write,
) -> dict[str, Any]:
    """Run (or resume) a full recompute; returns the final checkpoint.

    `write` persists batches of put/delete requests (a bulk loader may stand in for
    BatchWriteItem when a benchmark builds a large corpus).
    """
    job = None if restart else store.get_job()
    if job is None or job.get("phase") == "done":
        job = {"phase": "stats", "cursor": "", "started_at": datetime.now(UTC).isoformat()}
        store.put_job(job)
    analyses: dict[str, Analysis] | None = None
    if job["phase"] == "stats":
        analyses = _analyses()
        frequencies = _frequencies(analyses.values())
        store.put_frequencies(frequencies, len(analyses))
        progress(f"stats: {len(analyses)} articles, {len(frequencies)} features")
        job = {**job, "phase": "profiles", "cursor": ""}
        store.put_job(job)
    if job["phase"] == "profiles":
        analyses = analyses if analyses is not None else _analyses()
        frequencies = _frequencies(analyses.values())
        documents = len(analyses)
        for slugs in _chunks(sorted(analyses), str(job["cursor"]), chunk):
            old = store.get_profiles(slugs)
            # Features no article has any more lose their (stale) frequency item.
            gone = {f for p in old.values() for f in p.features if f not in frequencies}
            requests = store.frequency_deletes(gone)
            for slug in slugs:
                profile = weigh(analyses[slug], frequencies, documents)
                previous = old.get(slug)
                requests += store.posting_writes(
                    slug,
                    (posting_features(previous), previous.published_at) if previous else None,
                    (posting_features(profile), profile.published_at),
                )
                requests.append(store.profile_write(profile))
            write(requests)
            job = {**job, "cursor": slugs[-1]}
            store.put_job(job)
            progress(f"profiles: up to {slugs[-1]}")
        job = {**job, "phase": "lists", "cursor": ""}
        store.put_job(job)
    if job["phase"] == "lists":
        slugs = sorted(analyses or (meta["slug"] for meta in store.iter_article_metas()))
        profiles = store.get_profiles(slugs)
        postings = MemoryPostings(profiles.values())
        caps = caps_for(len(profiles))
        for part in _chunks(sorted(profiles), str(job["cursor"]), chunk):
            old_lists = store.get_lists(part)
            changes = []
            for slug in part:
                pool = candidate_pool(profiles[slug], postings, caps)
                entries = top(profiles[slug], [profiles[s] for s in pool if s in profiles])
                changes += store.list_writes(slug, entries, old_lists.get(slug))
            write(store.list_requests(changes))
            job = {**job, "cursor": part[-1]}
            store.put_job(job)
            progress(f"lists: up to {part[-1]}")
        job = {**job, "phase": "done", "cursor": "", "finished_at": datetime.now(UTC).isoformat()}
        store.put_job(job)
    return job
