"""Keeping related lists true while articles are published, edited and unpublished.

`sync(slug)` brings everything the related engine holds about one article in line with the
article's *current* state, whatever stream record prompted it. That makes duplicates, retries
and out-of-order records harmless: a second sync finds nothing to do.

Every list is chosen by one pure function (`scoring.select`) of the article, its candidates
and the corpus statistics of the moment. A change re-selects the lists it can change:

- up to `SMALL_CORPUS` live articles, all of them, in memory (cheap at that size, and the
  lists are then exactly those of the live corpus, whatever the order of uploads), once per
  stream batch when the syncs share a `Settlement`;
- above, the article's own list, the lists showing or pinning it (copies, removals, pins
  that come back), and the lists it now belongs in (it outranks their weakest teaser under
  today's statistics). Each re-selection reads a bounded number of items.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum

from newsdesk.dal import related as store
from newsdesk.liveness import is_live
from newsdesk.logic import freshness
from newsdesk.logic.related.candidates import candidate_pool, caps_for
from newsdesk.logic.related.profile import analyse, posting_features
from newsdesk.logic.related.scoring import Stats, beats, rank_key, select, signals
from newsdesk.models import Teaser
from newsdesk.related_records import SHOWN, Entry, Profile

# Up to this many live articles a change re-selects every list (in memory, ~3 reads each).
SMALL_CORPUS = 64
_ATTEMPTS = 8


class ListChange(StrEnum):
    """What a sync did (logged by the handler)."""

    UNCHANGED = "unchanged"
    PUBLISHED = "published"
    UPDATED = "updated"
    REMOVED = "removed"
    ABSENT = "absent"


class ListConflictError(RuntimeError):
    """A list kept changing under us; the stream record is retried later."""


class Settlement:
    """What the syncs of one stream batch leave for one re-selection of every list.

    Below `SMALL_CORPUS` a sync stores the article's profile (still pending), postings and
    statistics, and leaves the re-selection to `settle`, which runs `settle_all` once for the
    whole batch and then finishes each article (profile settled, or removal's last step).
    A later sync of the same article in the batch replaces the earlier one's finishing step
    (it read the article's current state). Until `settle` has run, the profiles stay pending,
    so a batch that fails before it is synced again in full when the stream retries it.
    """

    def __init__(self) -> None:
        self._finish: dict[str, Callable[[], None]] = {}

    def __len__(self) -> int:
        return len(self._finish)

    def forget(self, slug: str) -> None:
        """A new sync of `slug` started: an earlier one's finishing step no longer applies."""
        self._finish.pop(slug, None)

    def defer(self, slug: str, finish: Callable[[], None]) -> None:
        """Run `finish` after the batch's one re-selection."""
        self._finish[slug] = finish

    def settle(self) -> None:
        """Re-select every list once, then finish every deferred article (slug order)."""
        if not self._finish:
            return
        settle_all()
        for slug in sorted(self._finish):
            self._finish[slug]()
        self._finish.clear()


def sync(slug: str, settlement: Settlement | None = None) -> ListChange:
    """Make the related data of `slug` match its live state (or its absence).

    With a `settlement`, the re-selection of a small corpus waits for `settlement.settle()`.
    """
    if settlement is not None:
        settlement.forget(slug)
    state = store.load_state(slug)
    if not is_live(state.meta):
        return _remove(slug, state, settlement)
    assert state.meta is not None
    profile = analyse(state.meta)
    old = state.profile
    if old is not None and old.fingerprint == profile.fingerprint and not state.pending:
        return ListChange.UNCHANGED
    before = set(old.features) if old else set()
    after = set(profile.features)
    store.apply_frequency_delta(
        store.delta_marker(slug, old.fingerprint if old else "", profile.fingerprint),
        dict.fromkeys(after - before, 1) | dict.fromkeys(before - after, -1),
        0 if old else 1,
    )
    store.batch_write(
        store.posting_writes(slug, _postings(old), _postings(profile))
        + store.pin_writes(slug, old.pins if old else (), profile.pins)
    )
    # Stored first (pending), so the lists re-selected below can pick the article up.
    store.put_profile(profile, pending=True)
    documents, frequencies = store.get_stats(profile.features)
    change = ListChange.UPDATED if old else ListChange.PUBLISHED
    if documents <= SMALL_CORPUS and settlement is not None:
        settlement.defer(slug, lambda: store.put_profile(profile))
        return change
    if documents <= SMALL_CORPUS:
        settle_all()
    else:
        _settle_around(profile, Stats(documents, frequencies), state)
    store.put_profile(profile)
    return change


def _postings(profile: Profile | None) -> tuple[dict[str, float], datetime] | None:
    return (posting_features(profile), profile.published_at) if profile else None


def _settle_around(profile: Profile, stats: Stats, state: store.ArticleState) -> None:
    """Re-select the article's list and every list it can change (large corpora)."""
    pool = candidate_pool(profile, store.DynamoPostings(), caps_for(stats.documents), stats)
    wanted = {*pool, *state.referrers, *state.pinners, *profile.pins} - {profile.slug}
    profiles, lists = store.get_profiles_and_lists(wanted)
    pinned = {p: profiles[p] for p in profile.pins if p in profiles}
    own = select(profile, [profiles[s] for s in pool if s in profiles], stats, pinned)
    _save(profile.slug, own, state.candidates)
    affected = set(state.referrers) | set(state.pinners)
    for other in profiles.values():
        if other.slug in affected or other.slug not in pool:
            continue
        key = rank_key(other, profile, signals(other, profile, stats))
        known = lists.get(other.slug)
        if beats(key, known.entries if known else []):
            affected.add(other.slug)
    for slug in sorted(affected - {profile.slug}):
        owner = profiles.get(slug)
        if owner is not None:
            reselect(owner)


def reselect(owner: Profile) -> list[Entry]:
    """Select one article's list from the postings under today's statistics, and store it."""
    documents, frequencies = store.get_stats(owner.features)
    stats = Stats(documents, frequencies)
    pool = candidate_pool(owner, store.DynamoPostings(), caps_for(documents), stats)
    profiles = store.get_profiles({*pool, *owner.pins} - {owner.slug})
    pinned = {p: profiles[p] for p in owner.pins if p in profiles}
    entries = select(owner, [profiles[s] for s in pool if s in profiles], stats, pinned)
    _save(owner.slug, entries, store.get_list(owner.slug))
    return entries


def corpus_stats(profiles: Iterable[Profile]) -> Stats:
    """Exact statistics of a set of profiles (what the counters hold for the live corpus)."""
    listed = list(profiles)
    return Stats(len(listed), Counter(f for p in listed for f in p.features))


def settle_all() -> None:
    """Re-select every list against every live article (small corpora: exact and cheap)."""
    profiles = store.get_profiles(store.live_slugs())
    stats = corpus_stats(profiles.values())
    lists = store.get_lists(profiles)
    everyone = [profiles[s] for s in sorted(profiles)]
    for owner in everyone:
        pinned = {p: profiles[p] for p in owner.pins if p in profiles}
        _save(owner.slug, select(owner, everyone, stats, pinned), lists.get(owner.slug))


def _save(slug: str, entries: list[Entry], known: store.ListState | None) -> None:
    """Store a selected list unless it is already stored (optimistic locking on conflicts)."""
    for _ in range(_ATTEMPTS):
        if known is not None and known.entries == entries:
            return
        if store.save_list(slug, entries, known):
            if known is None or _shown(entries) != _shown(known.entries):
                freshness.teasers_changed(slug)  # the page shows other teasers now
            return
        known = store.get_list(slug)
    raise ListConflictError(f"related list of {slug!r} kept changing")


def _shown(entries: list[Entry]) -> list[tuple[str, Teaser]]:
    """What the article's page shows of a list (reason and teaser copy)."""
    return [(e.reason, e.teaser) for e in entries[:SHOWN]]


def _remove(
    slug: str, state: store.ArticleState, settlement: Settlement | None = None
) -> ListChange:
    """Unpublish (or not live): out of every list, refilled, then forgotten."""
    old = state.profile
    if old is None and state.candidates is None and not state.referrers:
        return ListChange.ABSENT
    # Postings and profile go first, so no list re-selected below can pick the article up;
    # the reverse index (in this partition) goes last, so a retry still finds the referrers.
    store.batch_write(
        store.posting_writes(slug, _postings(old), None)
        + store.pin_writes(slug, old.pins if old else (), ())
    )
    if old is not None:
        store.apply_frequency_delta(
            store.delta_marker(slug, old.fingerprint, ""), dict.fromkeys(old.features, -1), -1
        )
    store.delete_profile_item(slug)
    if state.candidates is not None:
        store.delete_list(slug, state.candidates)
    small = store.get_documents() <= SMALL_CORPUS
    if small and settlement is not None:
        settlement.defer(slug, lambda: store.delete_profile(slug, state.referrers))
        return ListChange.REMOVED
    if small:
        settle_all()
    else:
        owners = store.get_profiles({*state.referrers, *state.pinners} - {slug})
        for owner_slug in sorted(owners):
            reselect(owners[owner_slug])
    store.delete_profile(slug, state.referrers)
    return ListChange.REMOVED
