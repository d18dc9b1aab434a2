"""Keeping related lists true while articles are published, edited and unpublished.

`sync(slug)` brings everything the related engine holds about one article in line with the
article's *current* published state, whatever stream record prompted it. That makes
duplicates, retries and out-of-order records harmless: a second sync finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from newsdesk.dal import related as store
from newsdesk.logic import freshness
from newsdesk.logic.related.candidates import candidate_pool, caps_for
from newsdesk.logic.related.profile import analyse, posting_features, weigh
from newsdesk.logic.related.scoring import KEPT, WEIGHTS, entry, ranked, score, top
from newsdesk.related_records import SHOWN, Entry, Profile

_ATTEMPTS = 8

type Merge = Callable[[list[Entry]], list[Entry]]


class ListChange(StrEnum):
    """What a sync did (logged by the handler)."""

    UNCHANGED = "unchanged"
    PUBLISHED = "published"
    UPDATED = "updated"
    REMOVED = "removed"
    ABSENT = "absent"


class ListConflictError(RuntimeError):
    """A list kept changing under us; the stream record is retried later."""


def sync(slug: str) -> ListChange:
    """Make the related data of `slug` match its published state (or its absence)."""
    state = store.load_state(slug)
    if state.meta is None:
        return _remove(slug, state)
    analysis = analyse(state.meta)
    old = state.profile
    if old is not None and old.fingerprint == analysis.fingerprint:
        return ListChange.UNCHANGED
    before = set(old.features) if old else set()
    after = set(analysis.features)
    deltas = dict.fromkeys(after - before, 1) | dict.fromkeys(before - after, -1)
    store.apply_frequency_delta(
        store.delta_marker(slug, old.fingerprint if old else "", analysis.fingerprint),
        deltas,
        0 if old else 1,
    )
    documents, frequencies = store.get_stats(analysis.features)
    profile = weigh(analysis, frequencies, documents)
    store.batch_write(store.posting_writes(slug, _postings(old), _postings(profile)))
    pool = candidate_pool(profile, store.DynamoPostings(), caps_for(documents))
    profiles, lists = store.get_profiles_and_lists({*pool, *state.referrers} - {slug})
    _update(slug, lambda _: top(profile, list(profiles.values())), state.candidates)
    for other in profiles.values():
        _offer(other, profile, score(profile, other), lists.get(other.slug), documents)
    store.put_profile(profile)
    return ListChange.UPDATED if old else ListChange.PUBLISHED


def _postings(profile: Profile | None) -> tuple[dict[str, float], datetime] | None:
    return (posting_features(profile), profile.published_at) if profile else None


def _offer(
    owner: Profile,
    article: Profile,
    related: float,
    known: store.ListState | None,
    documents: int,
) -> None:
    """Put `article` into `owner`'s list at its new score, or take it out if it fell short.

    A new article enters only where it beats the weakest kept candidate (or there is room);
    an edited one has its teaser copy and score refreshed wherever it is kept.
    """

    def merge(entries: list[Entry]) -> list[Entry]:
        kept = [e for e in entries if e.slug != article.slug]
        if related >= WEIGHTS.threshold:
            return ranked([*kept, entry(article, related)])[:KEPT]
        return kept

    entries = _update(owner.slug, merge, known)
    if entries is not None and len(entries) < SHOWN and _lost(known, entries):
        _rebuild(owner, documents, exclude=article.slug)


def _lost(known: store.ListState | None, entries: list[Entry]) -> bool:
    """Whether an update shrank a list (then it may need candidates from the postings)."""
    return known is not None and len(entries) < len(known.entries)


def _update(slug: str, merge: Merge, known: store.ListState | None) -> list[Entry] | None:
    """Apply `merge` to a kept list with optimistic locking; the new entries, None if unchanged."""
    for _ in range(_ATTEMPTS):
        current = known.entries if known else []
        entries = merge(current)
        if known is not None and entries == current:
            return None
        if store.save_list(slug, entries, known):
            if known is None or _teasers(entries) != _teasers(current):
                freshness.teasers_changed(slug)  # the page shows other teasers now
            return entries
        known = store.get_list(slug)
    raise ListConflictError(f"related list of {slug!r} kept changing")


def _teasers(entries: list[Entry]) -> list[object]:
    """What the article's page shows of a kept list."""
    return [e.teaser for e in entries[:SHOWN]]


def _rebuild(owner: Profile, documents: int, *, exclude: str = "") -> None:
    """Recompute one article's list from the postings (when removals left it short)."""
    pool = candidate_pool(owner, store.DynamoPostings(), caps_for(documents))
    profiles = store.get_profiles(set(pool) - {owner.slug, exclude})
    fresh = top(owner, list(profiles.values()))
    _update(owner.slug, lambda _: fresh, store.get_list(owner.slug))


def _remove(slug: str, state: store.ArticleState) -> ListChange:
    """Unpublish: out of every list (backfilled from kept candidates), then forget it."""
    old = state.profile
    if old is None and state.candidates is None and not state.referrers:
        return ListChange.ABSENT
    # Postings go first, so no list rebuilt below can pick the article up again.
    store.batch_write(store.posting_writes(slug, _postings(old), None))
    documents, _ = store.get_stats(())
    profiles, lists = store.get_profiles_and_lists(set(state.referrers) - {slug})
    for owner_slug, known in sorted(lists.items()):
        entries = _update(owner_slug, lambda current: [e for e in current if e.slug != slug], known)
        owner = profiles.get(owner_slug)
        if owner is not None and entries is not None and len(entries) < SHOWN:
            _rebuild(owner, documents, exclude=slug)
    if state.candidates is not None:
        store.delete_list(slug, state.candidates)
    if old is not None:
        store.apply_frequency_delta(
            store.delta_marker(slug, old.fingerprint, ""),
            dict.fromkeys(old.features, -1),
            -1,
        )
    store.delete_profile(slug, state.referrers)
    return ListChange.REMOVED
