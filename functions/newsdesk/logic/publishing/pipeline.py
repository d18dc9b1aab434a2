"""The publish pipeline: one upload event in, live state changed at most once, a report out.

Ordering: S3 gives each key's events a `sequencer` that grows with time (hex, compared after
left-padding to equal length). Each event is decided on its own: the version it names (read
by versionId, so a late event for an overwritten version still means that version), or for a
removal, or a version since deleted, whatever S3 holds now. A decision either sets the live
state (publish, draft, delete) or is a pure rejection (the live version stays). The source
state of a key keeps two sequencers: the newest event seen, whose outcome the report shows,
and the newest event that set the live state. An event older than both is stale or a
duplicate and changes nothing (a duplicate re-sends the stored report, in case the first
delivery failed after the write). So the live state is always that of the newest non-rejected
event, the report that of the newest event: the same in any order, however often delivered.

Live writes are one DynamoDB transaction, conditioned on the source state being the one read
and on slug ownership (META's `source_key`, or a scheduled article's claim); a lost condition
re-reads and decides again.

Drafts and articles whose `published_at` lies ahead set the live state too (nothing live),
and stage their rendered version for a preview link; scheduling decisions, the staged items
and the go-live schedule live in `newsdesk.logic.publishing.scheduling`
(docs/adr/0009-scheduled-publishing.md).
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from newsdesk.clock import Clock, system_clock
from newsdesk.dal import ebooks, keys, scheduling
from newsdesk.dal import publishing as store
from newsdesk.dal.articles import article_items
from newsdesk.dal.codec import Item
from newsdesk.dal.scheduling import Staged
from newsdesk.liveness import is_live
from newsdesk.logic import freshness
from newsdesk.logic.publishing import scheduling as plan
from newsdesk.logic.publishing.loading import looks_like, too_large_message
from newsdesk.logic.publishing.parsing import (
    MARKDOWN_EXTENSIONS,
    MAX_SOURCE_BYTES,
    ArticleSource,
    ContentError,
    FieldError,
    ebook_id_of,
    parse_article_source,
    parse_draft,
    parse_ebook,
)
from newsdesk.logic.publishing.previews import preview_url
from newsdesk.logic.publishing.reports import (
    FAILED_FINALLY,
    GO_LIVE_FAILED,
    SCHEDULED_TAKEN_OFFLINE,
    Outcome,
    report_document,
)
from newsdesk.logic.publishing.storage import Storage
from newsdesk.related_records import PINS_ATTRIBUTE

ARTICLES_PREFIX = "articles/"
# Beside a key's source state: the newest of its events whose failure was reported.
FAILED_SK = "S#FAILED"
EBOOKS_PREFIX = "ebooks/"
MAX_ATTEMPTS = 5
# PDF readers accept the `%PDF-` header anywhere in the first kilobyte.
PDF_HEADER_WINDOW = 1024
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UploadEvent:
    """One S3 notification, decoded: which key, created or removed, and its order."""

    key: str
    removed: bool
    sequencer: str
    version_id: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one event and, unless it is a pure rejection, the live state it sets.

    `claim` is the slug a key was refused only because another key owns it: the claim is
    kept (CLAIM#<slug>) so the slug is handed over when its owner lets go.
    """

    outcome: Outcome
    sets_live: bool
    live_slug: str | None = None
    source: store.SourceObject | None = None
    operations: list[store.Operation] = field(default_factory=list)
    claim: str | None = None
    # A scheduled version was staged before or after: the go-live schedule must follow.
    reschedules: bool = False
    # The slug a scheduled version of this key held, if this decision lets it go.
    releases: str | None = None
    # The slug a scheduled decision claims until its go-live.
    scheduled: str | None = None


class ConcurrentUpdateError(RuntimeError):
    """Lost every optimistic attempt to concurrent writers: transient, let Lambda retry."""


def sequencer_order(sequencer: str) -> str:
    """A sortable form of an S3 sequencer (hex of varying length): upper-cased, left-padded."""
    return sequencer.strip().upper().rjust(64, "0")


def is_newer(candidate: str, applied: str | None) -> bool:
    """Whether `candidate` comes after `applied` (None: nothing applied yet) for one key."""
    return applied is None or sequencer_order(candidate) > sequencer_order(applied)


def _planned_at(state: store.SourceState | None, staged: Staged | None) -> datetime | None:
    """When the key's staged version goes online, if it is scheduled and not online yet."""
    if (
        state is None
        or state.live_slug is not None
        or state.live_sequencer is None
        or staged is None
        or sequencer_order(staged.sequencer) != sequencer_order(state.live_sequencer)
    ):
        return None
    return staged.live_at


def _rejected(errors: list[FieldError]) -> Decision:
    return Decision(Outcome("rejected", errors), sets_live=False)


# An exception while parsing is a property of the file and our code, never of AWS: retrying
# cannot help, so it is a rejection (the live version stays) and the log keeps the traceback.
_UNREADABLE = FieldError(
    "file",
    "Filen kunne ikke læses på grund af en uventet fejl (udviklerne kan se den i loggen). "
    "Tjek filen for usædvanlige tegn eller opbygning, eller kontakt udviklerne.",
)


def _parsed[T](parse: Callable[[], T]) -> T:
    """Run a pure parse; any exception it did not foresee is a ContentError too."""
    try:
        return parse()
    except ContentError:
        raise
    except Exception as error:
        logger.exception("unforeseen error while parsing an upload")
        raise ContentError([_UNREADABLE]) from error


DEFAULT_STORAGE: Storage = store


@dataclass(frozen=True, slots=True)
class Publisher:
    """Applies upload events; `words_per_minute`, `clock` and `storage` come from the caller.

    `schedule_target` is the ARN go-live schedules invoke (the publish function's own);
    without one no schedule is set (tools, the unit tier). `preview_base` is the public API
    URL preview links start with ("" gives the path only; None: no preview links).
    """

    words_per_minute: int
    clock: Clock = system_clock
    storage: Storage = DEFAULT_STORAGE
    schedule_target: str | None = None
    preview_base: str | None = None

    def process(self, event: UploadEvent, *, handed_over: str | None = None) -> Item | None:
        """Apply one event; the report written, or None for stale events and non-content keys.

        `handed_over` re-decides the newest event of a key whose slug claim was freed (the
        slug's previous owner) even though its sequencer was seen.
        """
        kind = _kind(event.key)
        if kind is None:
            return None
        for _ in range(MAX_ATTEMPTS):
            state = self.storage.get_source_state(event.key)
            # Without a versionId (an unversioned bucket, or a hand-made event such as
            # `sam local generate-event`, whose sequencer is always the same) an equal sequencer
            # does not prove a duplicate: decide again from what S3 holds now.
            undated_repeat = (
                state is not None
                and (event.version_id is None or handed_over is not None)
                and sequencer_order(event.sequencer) == sequencer_order(state.sequencer)
            )
            newest = state is None or undated_repeat or is_newer(event.sequencer, state.sequencer)
            if state is not None and not newest:
                # The stored report is the newest event's: re-send it, in case the first write
                # failed or a failure report of an older event overwrote it.
                self.storage.put_report(state.report)
                if sequencer_order(event.sequencer) == sequencer_order(state.sequencer):
                    self._resync(kind, event.key)
                    return None
                if not is_newer(event.sequencer, state.live_sequencer):
                    return None  # stale: newer events decided both report and live state
            try:
                decision = self._decide(kind, event, state)
                if handed_over is not None and decision.outcome.status == "published":
                    decision = _handed_over(decision, handed_over)
                if not (newest or decision.sets_live):
                    return None  # an old rejection: a newer event already has the report
                report = self._commit(event, state, decision, newest=newest)
            except store.WriteConflict:
                continue
            self.storage.put_report(report)
            if decision.reschedules:
                self._sync_schedule(event.key)
            if kind == "ebook":
                self._refresh_pdf(event.key)
            if kind in {"ebook", "pdf"}:
                self.sync_ebook_copies(ebook_id_of(event.key))
            if kind == "article" and decision.sets_live:
                self._hand_over_freed(event.key, state, decision)
            return report
        raise ConcurrentUpdateError(
            f"{event.key}: {MAX_ATTEMPTS} attempts lost to concurrent writes"
        )

    def go_live(self, key: str, sequencer: str) -> Item | None:
        """A go-live schedule fired: decide its upload event again, now; the report written.

        Does nothing (None) unless that event's scheduled version is still what the key has
        staged: a newer upload, a draft or a deletion superseded it (and moved or cancelled
        the schedule; a schedule that fires regardless finds nothing to do).
        """
        for _ in range(MAX_ATTEMPTS):
            scheduled = self._still_scheduled(key, sequencer)
            if scheduled is None:
                return None
            state, staged = scheduled
            replay = UploadEvent(key, False, staged.sequencer, staged.version_id)
            newest = sequencer_order(state.sequencer) == sequencer_order(sequencer)
            try:
                decision = self._article(replay, state)
                if not (newest or decision.sets_live):
                    return None
                report = self._commit(replay, state, decision, newest=newest)
            except store.WriteConflict:
                continue
            self.storage.put_report(report)
            self._sync_schedule(key)
            return report
        raise ConcurrentUpdateError(f"{key}: {MAX_ATTEMPTS} attempts lost to concurrent writes")

    def _still_scheduled(self, key: str, sequencer: str) -> tuple[store.SourceState, Staged] | None:
        """The key's state and staged version while the event `sequencer` is what it has
        scheduled to go live; None once a newer upload, a draft or a deletion superseded it."""
        state = self.storage.get_source_state(key)
        staged = self._staged(key)
        if (
            state is None
            or state.live_sequencer is None
            or staged is None
            or staged.live_at is None
            or sequencer_order(staged.sequencer) != sequencer_order(sequencer)
            or sequencer_order(state.live_sequencer) != sequencer_order(sequencer)
        ):
            return None
        return state, staged

    def _resync(self, kind: str, key: str) -> None:
        """On a duplicate: redo what follows a commit outside the table (it may have failed)."""
        if kind in {"ebook", "pdf"}:
            self.sync_ebook_copies(ebook_id_of(key))
        if kind == "article":
            self._sync_schedule(key)

    def _staged(self, key: str) -> Staged | None:
        item = self.storage.get_item(store.source_pk(key), scheduling.STAGED_SK)
        return scheduling.staged_from_item(key, item) if item else None

    def _sync_schedule(self, key: str) -> None:
        if self.schedule_target is not None:
            plan.sync_schedule(key, self._staged(key), self.schedule_target)

    def report_failure(
        self, event: UploadEvent, *, final: bool = False, failed_at: datetime | None = None
    ) -> Item | None:
        """After an error the pipeline could not handle: a `failed` report for the event.

        Written only while no newer (or this very) event of the key has been decided, and no
        newer event's failure has been reported (the FAILED marker beside the source state),
        so a failure never hides a newer report; when the state cannot even be read (the table
        is unavailable), the newest event we know of failed, and the report says so. `final`:
        Lambda has given up on the event (its on-failure record), `failed_at` the record's time
        (a redelivered record writes the same report). Raises what writing the report raises.
        """
        if _kind(event.key) is None:
            return None
        for _ in range(MAX_ATTEMPTS):
            try:
                state = self.storage.get_source_state(event.key)
                marker = self.storage.get_item(store.source_pk(event.key), FAILED_SK)
            except Exception:  # the store is what failed; the report is still owed
                logger.warning("source state unreadable while reporting a failure", exc_info=True)
                state, marker = None, None
            if state is not None and not is_newer(event.sequencer, state.sequencer):
                return None
            if marker is not None and is_newer(str(marker["sequencer"]), event.sequencer):
                return None  # a newer event's failure is reported
            try:
                self._mark_failed(event, marker)
            except store.WriteConflict:
                continue  # another failure of this key was reported meanwhile: compare again
            live_slug = state.live_slug if state is not None else None
            outcome = Outcome("failed", message=FAILED_FINALLY if final else None)
            report = report_document(event.key, outcome, live_slug, failed_at or self.clock())
            self.storage.put_report(report)
            self._restore_newer_report(event)
            return report
        raise ConcurrentUpdateError(f"{event.key}: {MAX_ATTEMPTS} attempts to report a failure")

    def report_go_live_failure(
        self, key: str, sequencer: str, failed_at: datetime | None = None
    ) -> Item | None:
        """Lambda gave up on a go-live: a `failed` report, while that version is still staged.

        The upload's report said `scheduled`; without this it would go on saying so while the
        article never came online. Nothing is written when the go-live is superseded (a newer
        upload, a draft or a deletion) or happened after all; an upload decided meanwhile gets
        its own report back.
        """
        scheduled = self._still_scheduled(key, sequencer)
        if scheduled is None:
            return None
        state, staged = scheduled
        if sequencer_order(state.sequencer) != sequencer_order(sequencer):
            return None  # a newer upload was decided (rejected): its report stays
        assert staged.live_at is not None
        details = {"live_at": scheduling.stamp(staged.live_at)}
        outcome = Outcome("failed", message=GO_LIVE_FAILED, details=details)
        report = report_document(key, outcome, state.live_slug, failed_at or self.clock())
        self.storage.put_report(report)
        newer = self.storage.get_source_state(key)
        if newer is not None and is_newer(newer.sequencer, sequencer):
            self.storage.put_report(newer.report)  # decided meanwhile: its report wins
        return report

    def _mark_failed(self, event: UploadEvent, seen: Item | None) -> None:
        """Remember the newest failed event of the key (unless the table is what failed)."""
        item = {"PK": store.source_pk(event.key), "SK": FAILED_SK, "sequencer": event.sequencer}
        if seen is None:
            condition, values = "attribute_not_exists(PK)", {}
        else:
            condition, values = "sequencer = :seen", {":seen": seen["sequencer"]}
        try:
            self.storage.transact([store.put(item, condition, values or None)])
        except store.WriteConflict:
            raise
        except Exception:
            logger.warning("failure marker not written", exc_info=True)

    def _restore_newer_report(self, event: UploadEvent) -> None:
        """A newer event decided while the failure report was written: its report wins."""
        try:
            state = self.storage.get_source_state(event.key)
        except Exception:
            return
        if state is not None and not is_newer(event.sequencer, state.sequencer):
            self.storage.put_report(state.report)

    def _decide(self, kind: str, event: UploadEvent, state: store.SourceState | None) -> Decision:
        if kind == "article":
            return self._article(event, state)
        if kind == "ebook":
            return self._ebook(event, state)
        if kind == "pdf":
            return self._pdf(event)
        if kind == "misnamed" and not event.removed:
            return Decision(Outcome("rejected", [_misnamed(event.key)]), sets_live=False)
        return Decision(Outcome("ignored", [_OTHER_EBOOK_FILE]), sets_live=False)

    def _commit(
        self,
        event: UploadEvent,
        previous: store.SourceState | None,
        decision: Decision,
        *,
        newest: bool,
    ) -> Item:
        """Write the live changes and the new source state in one transaction; the report."""
        outcome = decision.outcome
        claim = decision.claim
        if not newest and previous is not None:
            outcome = Outcome.from_item(previous.outcome)
            claim = previous.claimed_slug
            if decision.sets_live and outcome.status == "rejected":
                outcome = replace(outcome, details={})  # the planned version is online now
        if decision.sets_live:
            live_sequencer: str | None = event.sequencer
            version_id = decision.source.version_id if decision.source else None
            live_slug = decision.live_slug
        else:
            live_sequencer = previous.live_sequencer if previous else None
            version_id = previous.version_id if previous else None
            live_slug = previous.live_slug if previous else None
        report = report_document(event.key, outcome, live_slug, self.clock())
        state = store.SourceState(
            key=event.key,
            sequencer=event.sequencer if newest or previous is None else previous.sequencer,
            live_sequencer=live_sequencer,
            version_id=version_id,
            live_slug=live_slug,
            outcome=outcome.item(),
            report=report,
            revision=previous.revision + 1 if previous else 0,
            claimed_slug=claim,
        )
        operations = list(decision.operations) if decision.sets_live else []
        operations += _claim_operations(previous, state, decision.source)
        self.storage.transact([store.put_source_state(state, previous), *operations])
        freshness.written(operations)
        return report

    # Articles

    def _article(self, event: UploadEvent, state: store.SourceState | None) -> Decision:
        before = self._staged(event.key)
        decision = self._article_decision(event, state, before)
        held = before.slug if before is not None and before.live_at is not None else None
        planned_at = _planned_at(state, before)
        if decision.outcome.status == "rejected" and planned_at is not None:
            # The scheduled version stays planned: the report says when it goes online.
            planned = {"live_at": scheduling.stamp(planned_at)}
            return replace(decision, outcome=replace(decision.outcome, details=planned))
        if decision.sets_live and held not in {None, decision.live_slug, decision.scheduled}:
            # Deleted, drafted, or moved to another slug: the scheduled claim is gone.
            return replace(decision, releases=held)
        return decision

    def _article_decision(
        self, event: UploadEvent, state: store.SourceState | None, before: Staged | None
    ) -> Decision:
        live = state.live_slug if state else None
        source = self._read(event)
        if source is None:
            return self._unpublish(event.key, live, None, before)
        try:
            if source.data is None:
                raise ContentError([_too_large(source.size)])
            data = source.data
            parsed = _parsed(
                lambda: parse_article_source(
                    event.key,
                    data,
                    received_at=source.last_modified,
                    words_per_minute=self.words_per_minute,
                )
            )
        except ContentError as error:
            return _rejected(error.errors)
        if parsed.article is None:
            return self._draft(event, live, before, source)
        article = parsed.article
        target = self.storage.partition(keys.article_pk(article.slug))
        owner = plan.slug_owner(target)
        if owner is not None and owner != event.key:
            taken = FieldError(
                "slug",
                f"slug'en '{article.slug}' bruges allerede af {owner}. Vælg en anden `slug`, "
                "eller slet eller afpublicér den anden fil: så udgives denne automatisk"
                + _look_alike(owner, event.key),
            )
            return Decision(Outcome("rejected", [taken]), False, None, source, claim=article.slug)
        if not plan.is_live(article.published_at, self.clock()):
            return self._schedule(event, live, before, source, parsed)
        operations: list[store.Operation] = []
        if live is not None and live != article.slug:
            current = self.storage.partition(keys.article_pk(live))
            operations += _unpublish_operations(event.key, live, current)
        operations += _article_operations(event.key, article_items_for(event.key, parsed), target)
        registry = self._registry(parsed.ebook_id) if parsed.ebook_id else None
        operations += _ebook_copy_operations(
            event.key, article.slug, parsed.ebook_id, registry, target
        )
        warnings = list(parsed.warnings)
        if parsed.ebook_id and registry is None:
            warnings.append(
                FieldError(
                    "ebook",
                    f"der er ingen e-bog med id '{parsed.ebook_id}' online; artiklen er udgivet "
                    "uden e-bogsboks, og boksen kommer, når e-bogen udgives. Tjek stavningen",
                )
            )
        operations += plan.staging_operations(event.key, before, None)
        operations = plan.guarded(
            operations, event.key, keys.article_pk(article.slug), scheduling.CLAIM_SK
        )
        warnings += self._pin_warnings(parsed.pins)
        outcome = Outcome("published", warnings=warnings)
        reschedules = before is not None and before.live_at is not None
        return Decision(outcome, True, article.slug, source, operations, reschedules=reschedules)

    def _schedule(
        self,
        event: UploadEvent,
        live: str | None,
        before: Staged | None,
        source: store.SourceObject,
        parsed: ArticleSource,
    ) -> Decision:
        """An article for later: nothing live, its version staged with a slug claim."""
        assert parsed.article is not None
        slug = parsed.article.slug
        staged = Staged(
            key=event.key,
            status="scheduled",
            sequencer=event.sequencer,
            version_id=source.version_id,
            slug=slug,
            meta=article_items_for(event.key, parsed)[0],
            live_at=parsed.article.published_at,
        )
        current = self.storage.partition(keys.article_pk(live)) if live else {}
        operations = _unpublish_operations(event.key, live, current) if live else []
        operations += plan.staging_operations(event.key, before, staged)
        operations = plan.guarded(operations, event.key, keys.article_pk(slug), keys.ARTICLE_SK)
        details = {"live_at": scheduling.stamp(parsed.article.published_at)}
        details |= self._preview_details(event, source)
        # Typos in `ebook` and `related` are worth knowing before the go-live, not after it.
        warnings = list(parsed.warnings)
        if parsed.ebook_id and self._registry(parsed.ebook_id) is None:
            warnings.append(
                FieldError(
                    "ebook",
                    f"der er ingen e-bog med id '{parsed.ebook_id}' online endnu; boksen kommer, "
                    "når e-bogen udgives. Tjek stavningen",
                )
            )
        warnings += self._pin_warnings(parsed.pins)
        message = SCHEDULED_TAKEN_OFFLINE if live is not None else None
        outcome = Outcome("scheduled", warnings=warnings, message=message, details=details)
        return Decision(outcome, True, None, source, operations, reschedules=True, scheduled=slug)

    def _draft(
        self,
        event: UploadEvent,
        live: str | None,
        before: Staged | None,
        source: store.SourceObject,
    ) -> Decision:
        """`status: draft`: unpublish, and stage the draft for a preview if it renders.

        A draft may be unfinished: then it has no preview, and its errors say why.
        """
        assert source.data is not None
        data = source.data
        try:
            parsed = _parsed(
                lambda: parse_draft(
                    event.key,
                    data,
                    received_at=source.last_modified,
                    words_per_minute=self.words_per_minute,
                )
            )
        except ContentError as error:
            return self._unpublish(event.key, live, source, before, errors=error.errors)
        assert parsed.article is not None
        staged = Staged(
            key=event.key,
            status="draft",
            sequencer=event.sequencer,
            version_id=source.version_id,
            slug=parsed.article.slug,
            meta=article_items_for(event.key, parsed)[0],
        )
        return self._unpublish(
            event.key,
            live,
            source,
            before,
            staged=staged,
            details=self._preview_details(event, source),
        )

    def _preview_details(self, event: UploadEvent, source: store.SourceObject) -> Item:
        """`preview_url` for the report, unless this publisher makes no preview links."""
        if self.preview_base is None:
            return {}
        url = preview_url(
            self.preview_base,
            key=event.key,
            version_id=source.version_id,
            sequencer=event.sequencer,
            uploaded_at=source.last_modified,
        )
        return {"preview_url": url}

    def _pin_warnings(self, pins: tuple[str, ...]) -> list[FieldError]:
        """A warning per pinned related article that is not live (skipped until it is)."""
        return [
            FieldError(
                f"related[{index}]",
                f"der er ingen udgivet artikel med slug'en '{pin}' (slug'en står i artiklens "
                "adresse, /articles/<slug>); den vises som relateret, så snart en artikel med "
                "den slug bliver udgivet. Tjek stavningen",
            )
            for index, pin in enumerate(pins)
            if not is_live(self.storage.partition(keys.article_pk(pin)).get(keys.ARTICLE_SK))
        ]

    def _hand_over_freed(
        self, key: str, state: store.SourceState | None, decision: Decision
    ) -> None:
        """Hand over the slugs `key` let go: its live one, or the one its scheduled version held."""
        live_before = state.live_slug if state is not None else None
        for freed in dict.fromkeys([live_before, decision.releases]):
            if freed is not None and freed != decision.live_slug:
                self._hand_over(freed, key)

    def _hand_over(self, slug: str, previous_owner: str) -> None:
        """`slug` is free: publish the newest key refused only because another key had it."""
        claims = self.storage.partition(_claim_pk(slug)).values()
        for claim in sorted(claims, key=lambda c: str(c.get("claimed_at", "")), reverse=True):
            key = str(claim["source_key"])
            state = self.storage.get_source_state(key)
            if state is None or state.claimed_slug != slug or state.sequencer != claim["sequencer"]:
                continue  # a newer upload of that key decided something else
            replay = UploadEvent(key, False, state.sequencer, claim.get("version_id"))
            report = self.process(replay, handed_over=previous_owner)
            if report is not None and report["status"] == "published":
                return

    # E-books

    def _ebook(self, event: UploadEvent, state: store.SourceState | None) -> Decision:
        """`ebooks/<id>.md`: live while valid and while `ebooks/<id>.pdf` exists."""
        ebook_id = ebook_id_of(event.key)
        registry = self._registry(ebook_id)
        owned = registry if registry and registry.get("source_key") == event.key else None
        takedown = [_delete_registry(event.key, ebook_id)] if owned else []
        source = self._read(event)
        if source is None:
            return Decision(Outcome("unpublished"), True, None, None, takedown)
        pdf_key = self._half(_pdf_key(event.key), self.storage.source_exists)
        try:
            if source.data is None:
                raise ContentError([_too_large(source.size)])
            data = source.data
            ebook = _parsed(lambda: parse_ebook(event.key, data))
            if registry is not None and owned is None:
                raise ContentError([_ebook_owned(ebook_id, registry, event.key)])
        except ContentError as error:
            return _rejected(error.errors)
        exists, problem = self._pdf_check(pdf_key)
        if not exists or problem:
            waiting = Outcome(
                "pending",
                missing=[pdf_key],
                message=(
                    f"Beskrivelsen er i orden, men {pdf_key} er ikke en brugbar PDF (se "
                    f"{store.report_key(pdf_key)}). E-bogen går online, når den er rettet."
                    if problem
                    else f"Beskrivelsen er i orden. E-bogen går online, så snart {pdf_key} "
                    "er uploadet."
                ),
            )
            return Decision(waiting, True, None, source, takedown)
        item = ebooks.ebook_item(ebook, source_key=event.key, pdf_key=pdf_key)
        operations: list[store.Operation] = []
        if owned != item:
            condition = "attribute_not_exists(PK) OR source_key = :key"
            operations.append(store.put(item, condition, {":key": event.key}))
        return Decision(Outcome("published"), True, ebook_id, source, operations)

    def _pdf(self, event: UploadEvent) -> Decision:
        """`ebooks/<id>.pdf`: re-decides the e-book's .md against the PDF that exists now."""
        md_key = self._half(_markdown_key(event.key), self._has_state)
        md_state = self.storage.get_source_state(md_key)
        if md_state is not None and md_state.live_sequencer is not None:
            replay = UploadEvent(
                md_key, md_state.version_id is None, md_state.live_sequencer, md_state.version_id
            )
            decision = self._ebook(replay, md_state)
            newest = md_state.sequencer == md_state.live_sequencer
            self.storage.put_report(self._commit(replay, md_state, decision, newest=newest))
        outcome, live_slug = self._pdf_outcome(event.key)
        return Decision(outcome, True, live_slug)

    def _refresh_pdf(self, md_key: str) -> None:
        """After the .md changed, let the PDF's report say what is true now.

        Keeps the PDF's report independent of the order the two files' events came in.
        """
        pdf_key = self._half(_pdf_key(md_key), self._has_state)
        state = self.storage.get_source_state(pdf_key)
        if state is None:
            return
        outcome, live_slug = self._pdf_outcome(pdf_key)
        if outcome.item() == state.outcome and live_slug == state.live_slug:
            return
        replay = UploadEvent(pdf_key, False, state.sequencer)
        decision = Decision(outcome, state.live_sequencer is not None, live_slug)
        try:
            report = self._commit(replay, state, decision, newest=True)
        except store.WriteConflict:
            return  # a PDF event is being processed; it decides from the same truth
        self.storage.put_report(report)

    def _pdf_outcome(self, pdf_key: str) -> tuple[Outcome, str | None]:
        """A PDF's report: is the e-book live, is the PDF gone, or what it waits for."""
        ebook_id = ebook_id_of(pdf_key)
        md_key = self._half(_markdown_key(pdf_key), self.storage.source_exists)
        exists, problem = self._pdf_check(pdf_key)
        if not exists:
            return Outcome("unpublished"), None
        if problem:
            message = (
                "PDF'en blev afvist: se errors. E-bogen er ikke online (læserne ville få den "
                "ødelagte fil), før en gyldig PDF er uploadet."
            )
            return Outcome("rejected", [FieldError("file", problem)], message=message), None
        if self._registry(ebook_id) is not None:
            return Outcome("published"), ebook_id
        if self.storage.source_exists(md_key):
            message = (
                f"PDF'en er modtaget, men {md_key} er afvist; e-bogen går online, når den er "
                f"rettet (se {store.report_key(md_key)})."
            )
        else:
            message = f"PDF'en er modtaget. E-bogen går online, så snart {md_key} er uploadet."
        return Outcome("pending", missing=[md_key], message=message), None

    def _half(self, key: str, present: Callable[[str], bool]) -> str:
        """The other half's key as it is in the bucket: `key`, or its look-alike with æ/ø/å
        composed or decomposed (a Mac uploads `å` as `a` + ring), whichever is `present`."""
        if key.isascii() or present(key):
            return key
        for form in ("NFC", "NFD"):
            alike = unicodedata.normalize(form, key)
            if alike != key and present(alike):
                return alike
        return key

    def _has_state(self, key: str) -> bool:
        return self.storage.get_source_state(key) is not None

    def _pdf_check(self, pdf_key: str) -> tuple[bool, str | None]:
        """Whether the PDF exists, and why it cannot be given to readers (empty, not a PDF)."""
        start = self.storage.read_start(pdf_key, PDF_HEADER_WINDOW)
        if start is None:
            return False, None
        if not start:
            return True, "Filen er tom. Upload PDF'en igen, når den er gemt med indhold."
        if b"%PDF-" in start:
            return True, None
        kind = looks_like(start)
        return True, (
            f"Filen er ikke en PDF: den ligner {kind}. Gem e-bogen som PDF og upload den igen."
            if kind
            else "Filen er ikke en PDF (den begynder ikke med %PDF-). Gem e-bogen som PDF og "
            "upload den igen."
        )

    # Storage reads shared by the decisions

    def _read(self, event: UploadEvent) -> store.SourceObject | None:
        """The version an event names; for removals and vanished versions, what S3 holds now."""
        if not event.removed:
            source = self.storage.read_source(
                event.key, event.version_id, max_bytes=MAX_SOURCE_BYTES
            )
            if source is not None or not event.version_id:
                return source
        return self.storage.read_source(event.key, None, max_bytes=MAX_SOURCE_BYTES)

    def _registry(self, ebook_id: str) -> Item | None:
        """The e-book's registry item (read consistently), or None while it is not live."""
        return self.storage.get_item(ebooks.ebook_pk(ebook_id), ebooks.EBOOK_SK)

    def _unpublish(
        self,
        key: str,
        live: str | None,
        source: store.SourceObject | None,
        before: Staged | None,
        *,
        staged: Staged | None = None,
        errors: list[FieldError] | None = None,
        details: Item | None = None,
    ) -> Decision:
        """Nothing live for `key`; `staged` (a draft) replaces what was staged, if anything."""
        current = self.storage.partition(keys.article_pk(live)) if live else {}
        operations = _unpublish_operations(key, live, current) if live else []
        operations += plan.staging_operations(key, before, staged)
        message = _DRAFT_MESSAGE if staged is not None and details else None
        if source is None:
            # One message for every deletion, true whatever the file's events came before it
            # (a delete handled before its upload's late event must read as it does after it).
            message = _DELETED
        outcome = Outcome("unpublished", errors or [], message=message, details=details or {})
        reschedules = before is not None and before.live_at is not None
        return Decision(outcome, True, None, source, operations, reschedules=reschedules)

    def sync_ebook_copies(self, ebook_id: str) -> None:
        """Make every referencing article's e-book copy match the registry (or vanish with it).

        Each write is conditioned on the article still naming this e-book, so an article edited
        meanwhile is left to its own publish. Idempotent: safe to repeat after any failure.
        """
        if not ebook_id:
            return
        registry = self._registry(ebook_id)
        references = self.storage.partition(ebooks.ebook_pk(ebook_id))
        for sk, reference in references.items():
            if not sk.startswith(ebooks.REF_SK_PREFIX):
                continue
            slug = str(reference["slug"])
            current = self.storage.partition(keys.article_pk(slug))
            meta = current.get(keys.ARTICLE_SK)
            if meta is None or meta.get("ebook_id") != ebook_id:
                continue
            existing = current.get(keys.ARTICLE_EBOOK_SK)
            wanted = ebooks.ebook_copy_item(slug, registry) if registry else None
            if existing == wanted:
                continue
            pk = keys.article_pk(slug)
            write = store.put(wanted) if wanted else store.delete(pk, keys.ARTICLE_EBOOK_SK)
            guard = store.check(pk, keys.ARTICLE_SK, "ebook_id = :id", {":id": ebook_id})
            try:
                self.storage.transact([guard, write])
            except store.WriteConflict:
                continue  # the article changed meanwhile; its own publish sets its copy
            freshness.written([write])


def _handed_over(decision: Decision, previous_owner: str) -> Decision:
    """The decision of a claimant that now gets the slug, with a message that says why."""
    message = (
        f"Udgivet automatisk: slug'en '{decision.live_slug}' blev ledig, da {previous_owner} "
        "blev slettet, afpubliceret, gjort til kladde, fik en anden slug eller ikke længere "
        "var planlagt."
    )
    outcome = Outcome("published", warnings=decision.outcome.warnings, message=message)
    return Decision(outcome, True, decision.live_slug, decision.source, decision.operations)


CLAIM_PREFIX = "CLAIM#"


def _claim_pk(slug: str) -> str:
    return f"{CLAIM_PREFIX}{slug}"


def _claim_operations(
    previous: store.SourceState | None, state: store.SourceState, source: store.SourceObject | None
) -> list[store.Operation]:
    """Keep a key's slug claim (PK CLAIM#<slug>, SK its key) in step with its newest outcome."""
    operations: list[store.Operation] = []
    before = previous.claimed_slug if previous else None
    if before and before != state.claimed_slug:
        operations.append(store.delete(_claim_pk(before), state.key))
    if state.claimed_slug and (
        before != state.claimed_slug or previous is None or previous.sequencer != state.sequencer
    ):
        claimed_at = source.last_modified if source else None
        operations.append(
            store.put(
                {
                    "PK": _claim_pk(state.claimed_slug),
                    "SK": state.key,
                    "source_key": state.key,
                    "sequencer": state.sequencer,
                    "version_id": source.version_id if source else None,
                    "claimed_at": claimed_at.astimezone(UTC).isoformat() if claimed_at else "",
                }
            )
        )
    return operations


_DRAFT_MESSAGE = "Kladden er gemt og er ikke online. Se den via preview_url."
_DELETED = "Filen er slettet: intet fra den er online, og intet fra den bliver udgivet."

_OTHER_EBOOK_FILE = FieldError(
    "file",
    "kun ebooks/<id>.md (beskrivelsen) og ebooks/<id>.pdf (selve bogen) bruges; andre filer "
    "i ebooks/ ignoreres",
)


def _kind(key: str) -> str | None:
    """Which pipeline a key belongs to; None for folders and anything outside the prefixes."""
    if key.endswith("/"):
        return None
    if key.startswith(ARTICLES_PREFIX):
        return "article"
    if key.startswith(EBOOKS_PREFIX):
        # The two halves find each other by name (`<id>.md` beside `<id>.pdf`, as written),
        # so only those spellings take part; `.MD`, `.Pdf` or `.markdown` would wait forever.
        extension = posixpath.splitext(key)[1]
        if extension in {".md", ".pdf"}:
            return "ebook" if extension == ".md" else "pdf"
        return "misnamed" if extension.lower() in MARKDOWN_EXTENSIONS | {".pdf"} else "other"
    return None


def _misnamed(key: str) -> FieldError:
    """An e-book half under a name its other half will not look for: the name to use."""
    extension = ".pdf" if key.lower().endswith(".pdf") else ".md"
    wanted = key[: -len(posixpath.splitext(key)[1])] + extension
    return FieldError(
        "file",
        f"en e-bogs filer skal hedde ebooks/<id>.md og ebooks/<id>.pdf med små bogstaver i "
        f"endelsen, ellers finder de ikke hinanden: upload filen igen som {wanted}",
    )


def _pdf_key(markdown_key: str) -> str:
    return markdown_key[: -len(".md")] + ".pdf"


def _markdown_key(pdf_key: str) -> str:
    return pdf_key[: -len(".pdf")] + ".md"


def _look_alike(owner: str, key: str) -> str:
    """A hint when the owner's key reads like `key` (æ/ø/å stored decomposed by a Mac, or
    other capitals): two objects in S3 that an editor sees as one file."""
    if _folded_key(owner) != _folded_key(key):
        return ""
    return (
        ". Den anden fil hedder det samme, men er gemt med andre tegn (fx æ, ø eller å fra en "
        "Mac, eller andre store og små bogstaver), så bucketten har to filer: slet den ene"
    )


def _folded_key(key: str) -> str:
    return unicodedata.normalize("NFC", key).casefold()


def _too_large(size: int) -> FieldError:
    return FieldError("file", too_large_message(size))


def _ebook_owned(ebook_id: str, registry: Item, key: str) -> FieldError:
    owner = str(registry.get("source_key"))
    return FieldError(
        "file",
        f"e-bogens id '{ebook_id}' bruges allerede af {owner}; giv filen et andet navn"
        + _look_alike(owner, key),
    )


def content_hash(items: list[Item]) -> str:
    """Digest of what readers see; `updated_at` alone changing is not a change."""
    visible = [{k: v for k, v in item.items() if k != "updated_at"} for item in items]
    return hashlib.sha256(json.dumps(visible, sort_keys=True, default=str).encode()).hexdigest()


def article_items_for(source_key: str, parsed: ArticleSource) -> list[Item]:
    """META and tag entries, with the e-book reference and content digest on META."""
    assert parsed.article is not None
    extra: Item = {"ebook_id": parsed.ebook_id} if parsed.ebook_id else {}
    if parsed.pins:
        extra[PINS_ATTRIBUTE] = list(parsed.pins)
    items = article_items(parsed.article, source_key=source_key, extra=extra)
    items[0]["content_hash"] = content_hash(items)
    return items


def _article_operations(
    source_key: str, items: list[Item], current: dict[str, Item]
) -> list[store.Operation]:
    """Write META and tag entries only if content changed; drop tag entries that are gone."""
    meta, tags = items[0], items[1:]
    owner = {":key": source_key}
    existing = current.get(keys.ARTICLE_SK)
    if existing is not None and existing.get("content_hash") == meta["content_hash"]:
        return [store.check(meta["PK"], meta["SK"], "source_key = :key", owner)]
    wanted = {tag["SK"] for tag in tags}
    stale = [sk for sk in current if sk.startswith(keys.TAG_SK_PREFIX) and sk not in wanted]
    return [
        store.put(meta, "attribute_not_exists(PK) OR source_key = :key", owner),
        *(store.put(tag) for tag in tags),
        *(store.delete(meta["PK"], sk) for sk in stale),
    ]


def _ebook_copy_operations(
    source_key: str,
    slug: str,
    ebook_id: str | None,
    registry: Item | None,
    current: dict[str, Item],
) -> list[store.Operation]:
    """Keep the article's e-book copy and reference in step with the e-book registry."""
    operations: list[store.Operation] = []
    pk = keys.article_pk(slug)
    previous_id = (current.get(keys.ARTICLE_SK) or {}).get("ebook_id")
    if previous_id and previous_id != ebook_id:
        operations.append(store.delete(ebooks.ebook_pk(previous_id), ebooks.ref_sk(slug)))
    existing_copy = current.get(keys.ARTICLE_EBOOK_SK)
    if ebook_id is None:
        if existing_copy is not None:
            operations.append(store.delete(pk, keys.ARTICLE_EBOOK_SK))
        return operations
    operations.append(store.put(ebooks.ebook_ref_item(ebook_id, slug, source_key=source_key)))
    if registry is None:
        # Should the e-book be published meanwhile, this write loses and is decided again.
        operations.append(
            store.check(ebooks.ebook_pk(ebook_id), ebooks.EBOOK_SK, "attribute_not_exists(PK)")
        )
        if existing_copy is not None:
            operations.append(store.delete(pk, keys.ARTICLE_EBOOK_SK))
        return operations
    copy = ebooks.ebook_copy_item(slug, registry)
    fields = copy["ebook"]
    operations.append(
        store.check(
            ebooks.ebook_pk(ebook_id),
            ebooks.EBOOK_SK,
            "title = :title AND description = :description AND cta_label = :cta",
            {
                ":title": fields["title"],
                ":description": fields["description"],
                ":cta": fields["cta_label"],
            },
        )
    )
    if existing_copy != copy:
        operations.append(store.put(copy))
    return operations


def _unpublish_operations(
    source_key: str, slug: str, current: dict[str, Item]
) -> list[store.Operation]:
    """Delete META, tag entries, e-book copy and reference of an article this key owns.

    The related list (A#RELATED) stays: its maintainer removes it on the stream's REMOVE.
    """
    meta = current.get(keys.ARTICLE_SK)
    if meta is None or meta.get("source_key") != source_key:
        return []
    pk = keys.article_pk(slug)
    operations = [
        store.delete(pk, keys.ARTICLE_SK, "source_key = :key", {":key": source_key}),
        *(store.delete(pk, sk) for sk in current if sk.startswith(keys.TAG_SK_PREFIX)),
    ]
    if keys.ARTICLE_EBOOK_SK in current:
        operations.append(store.delete(pk, keys.ARTICLE_EBOOK_SK))
    if meta.get("ebook_id"):
        operations.append(store.delete(ebooks.ebook_pk(meta["ebook_id"]), ebooks.ref_sk(slug)))
    return operations


def _delete_registry(source_key: str, ebook_id: str) -> store.Operation:
    return store.delete(
        ebooks.ebook_pk(ebook_id), ebooks.EBOOK_SK, "source_key = :key", {":key": source_key}
    )
