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
and on slug ownership (META's `source_key`); a lost condition re-reads and decides again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from newsdesk.clock import Clock, system_clock
from newsdesk.dal import ebooks, keys
from newsdesk.dal import publishing as store
from newsdesk.dal.articles import article_items
from newsdesk.dal.codec import Item
from newsdesk.liveness import is_live
from newsdesk.logic import freshness
from newsdesk.logic.publishing.parsing import (
    MARKDOWN_EXTENSIONS,
    MAX_SOURCE_BYTES,
    ArticleSource,
    ContentError,
    FieldError,
    ebook_id_of,
    parse_article_source,
    parse_ebook,
    split_key,
)
from newsdesk.related_records import PINS_ATTRIBUTE

ARTICLES_PREFIX = "articles/"
EBOOKS_PREFIX = "ebooks/"
MAX_ATTEMPTS = 5

type Status = Literal["published", "rejected", "unpublished", "ignored"]


@dataclass(frozen=True, slots=True)
class UploadEvent:
    """One S3 notification, decoded: which key, created or removed, and its order."""

    key: str
    removed: bool
    sequencer: str
    version_id: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an event asked for, as its report says it: status and field errors."""

    status: Status
    errors: list[FieldError] = field(default_factory=list)
    # Published, with something the editors should know (e.g. a pinned article not live).
    warnings: list[FieldError] = field(default_factory=list)

    def item(self) -> Item:
        """Stored form (in the source state)."""
        stored: Item = {
            "status": self.status,
            "errors": [{"field": e.field, "message": e.message} for e in self.errors],
        }
        if self.warnings:
            stored["warnings"] = [{"field": w.field, "message": w.message} for w in self.warnings]
        return stored

    @classmethod
    def from_item(cls, item: Item) -> Outcome:
        """Back from the stored form."""
        errors = [FieldError(e["field"], e["message"]) for e in item.get("errors", [])]
        warnings = [FieldError(w["field"], w["message"]) for w in item.get("warnings", [])]
        return cls(item["status"], errors, warnings)


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one event and, unless it is a pure rejection, the live state it sets."""

    outcome: Outcome
    sets_live: bool
    live_slug: str | None = None
    source: store.SourceObject | None = None
    operations: list[store.Operation] = field(default_factory=list)


class ConcurrentUpdateError(RuntimeError):
    """Lost every optimistic attempt to concurrent writers: transient, let Lambda retry."""


def sequencer_order(sequencer: str) -> str:
    """A sortable form of an S3 sequencer (hex of varying length): upper-cased, left-padded."""
    return sequencer.strip().upper().rjust(64, "0")


def is_newer(candidate: str, applied: str | None) -> bool:
    """Whether `candidate` comes after `applied` (None: nothing applied yet) for one key."""
    return applied is None or sequencer_order(candidate) > sequencer_order(applied)


def report_document(
    key: str, outcome: Outcome, live_slug: str | None, processed_at: datetime
) -> Item:
    """The report as the editors' guide (docs/redaktoer.md) defines it; `slug` is live now.

    `warnings` (same shape as `errors`) appears only when there is something to say.
    """
    report: Item = {
        "key": key,
        "status": outcome.status,
        "slug": live_slug,
        "errors": outcome.item()["errors"],
        "processed_at": processed_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
    if outcome.warnings:
        report["warnings"] = outcome.item()["warnings"]
    return report


def _rejected(errors: list[FieldError]) -> Decision:
    return Decision(Outcome("rejected", errors), sets_live=False)


@dataclass(frozen=True, slots=True)
class Publisher:
    """Applies upload events; `words_per_minute` and `clock` come from the caller."""

    words_per_minute: int
    clock: Clock = system_clock

    def process(self, event: UploadEvent) -> Item | None:
        """Apply one event; the report written, or None for stale events and non-content keys."""
        kind = _kind(event.key)
        if kind is None:
            return None
        for _ in range(MAX_ATTEMPTS):
            state = store.get_source_state(event.key)
            # Without a versionId (an unversioned bucket, or a hand-made event such as
            # `sam local generate-event`, whose sequencer is always the same) an equal sequencer
            # does not prove a duplicate: decide again from what S3 holds now.
            undated_repeat = (
                state is not None
                and event.version_id is None
                and sequencer_order(event.sequencer) == sequencer_order(state.sequencer)
            )
            newest = state is None or undated_repeat or is_newer(event.sequencer, state.sequencer)
            if state is not None and not newest:
                if sequencer_order(event.sequencer) == sequencer_order(state.sequencer):
                    store.put_report(state.report)  # a duplicate: the first write may have failed
                    if kind in {"ebook", "pdf"}:
                        sync_ebook_copies(ebook_id_of(event.key))
                    return None
                if not is_newer(event.sequencer, state.live_sequencer):
                    return None  # stale: newer events decided both report and live state
            try:
                decision = self._decide(kind, event, state)
                if not (newest or decision.sets_live):
                    return None  # an old rejection: a newer event already has the report
                report = self._commit(event, state, decision, newest=newest)
            except store.WriteConflict:
                continue
            store.put_report(report)
            if kind == "ebook":
                self._refresh_pdf(event.key)
            if kind in {"ebook", "pdf"}:
                sync_ebook_copies(ebook_id_of(event.key))
            return report
        raise ConcurrentUpdateError(
            f"{event.key}: {MAX_ATTEMPTS} attempts lost to concurrent writes"
        )

    def _decide(self, kind: str, event: UploadEvent, state: store.SourceState | None) -> Decision:
        if kind == "article":
            return self._article(event, state)
        if kind == "ebook":
            return self._ebook(event, state)
        if kind == "pdf":
            return self._pdf(event)
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
        if not newest and previous is not None:
            outcome = Outcome.from_item(previous.outcome)
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
        )
        operations = decision.operations if decision.sets_live else []
        store.transact([store.put_source_state(state, previous), *operations])
        freshness.written(operations)
        return report

    # Articles

    def _article(self, event: UploadEvent, state: store.SourceState | None) -> Decision:
        live = state.live_slug if state else None
        source = _read(event)
        if source is None:
            return _unpublish(event.key, live, None)
        try:
            if source.data is None:
                raise ContentError([_too_large(source.size)])
            parsed = parse_article_source(
                event.key,
                source.data,
                received_at=source.last_modified,
                words_per_minute=self.words_per_minute,
            )
        except ContentError as error:
            return _rejected(error.errors)
        if parsed.article is None:
            return _unpublish(event.key, live, source)
        article = parsed.article
        target = store.article_partition(article.slug)
        meta = target.get(keys.ARTICLE_SK)
        if meta is not None and meta.get("source_key") != event.key:
            owner = meta.get("source_key")
            taken = FieldError(
                "slug",
                f"the slug '{article.slug}' is already used by {owner}; choose another slug "
                "(front matter `slug`) or delete that file first",
            )
            return _rejected([taken])
        operations: list[store.Operation] = []
        if live is not None and live != article.slug:
            operations += _unpublish_operations(event.key, live, store.article_partition(live))
        operations += _article_operations(event.key, article_items_for(event.key, parsed), target)
        operations += _ebook_copy_operations(event.key, article.slug, parsed.ebook_id, target)
        warnings = _pin_warnings(parsed.pins)
        return Decision(Outcome("published", [], warnings), True, article.slug, source, operations)

    # E-books

    def _ebook(self, event: UploadEvent, state: store.SourceState | None) -> Decision:
        """`ebooks/<id>.md`: live while valid and while `ebooks/<id>.pdf` exists."""
        ebook_id = ebook_id_of(event.key)
        registry = _registry(ebook_id)
        owned = registry if registry and registry.get("source_key") == event.key else None
        takedown = [_delete_registry(event.key, ebook_id)] if owned else []
        source = _read(event)
        if source is None:
            return Decision(Outcome("unpublished"), True, None, None, takedown)
        pdf_key = _pdf_key(event.key)
        try:
            if source.data is None:
                raise ContentError([_too_large(source.size)])
            ebook = parse_ebook(event.key, source.data)
            if registry is not None and owned is None:
                raise ContentError([_ebook_owned(ebook_id, registry)])
        except ContentError as error:
            return _rejected(error.errors)
        if not store.source_exists(pdf_key):
            missing = FieldError("pdf", f"{pdf_key} is missing; the e-book goes live with it")
            return Decision(Outcome("rejected", [missing]), True, None, source, takedown)
        item = ebooks.ebook_item(ebook, source_key=event.key, pdf_key=pdf_key)
        operations: list[store.Operation] = []
        if owned != item:
            condition = "attribute_not_exists(PK) OR source_key = :key"
            operations.append(store.put(item, condition, {":key": event.key}))
        return Decision(Outcome("published"), True, ebook_id, source, operations)

    def _pdf(self, event: UploadEvent) -> Decision:
        """`ebooks/<id>.pdf`: re-decides the e-book's .md against the PDF that exists now."""
        md_key = _markdown_key(event.key)
        md_state = store.get_source_state(md_key)
        if md_state is not None and md_state.live_sequencer is not None:
            replay = UploadEvent(
                md_key, md_state.version_id is None, md_state.live_sequencer, md_state.version_id
            )
            decision = self._ebook(replay, md_state)
            newest = md_state.sequencer == md_state.live_sequencer
            store.put_report(self._commit(replay, md_state, decision, newest=newest))
        outcome, live_slug = _pdf_outcome(event.key)
        return Decision(outcome, True, live_slug)

    def _refresh_pdf(self, md_key: str) -> None:
        """After the .md changed, let the PDF's report say what is true now.

        Keeps the PDF's report independent of the order the two files' events came in.
        """
        pdf_key = _pdf_key(md_key)
        state = store.get_source_state(pdf_key)
        if state is None:
            return
        outcome, live_slug = _pdf_outcome(pdf_key)
        if outcome.item() == state.outcome and live_slug == state.live_slug:
            return
        replay = UploadEvent(pdf_key, False, state.sequencer)
        decision = Decision(outcome, state.live_sequencer is not None, live_slug)
        try:
            report = self._commit(replay, state, decision, newest=True)
        except store.WriteConflict:
            return  # a PDF event is being processed; it decides from the same truth
        store.put_report(report)


def _pdf_outcome(pdf_key: str) -> tuple[Outcome, str | None]:
    """A PDF's report: is the e-book live, is the PDF gone, or is the .md missing."""
    ebook_id = ebook_id_of(pdf_key)
    md_key = _markdown_key(pdf_key)
    if not store.source_exists(pdf_key):
        return Outcome("unpublished"), None
    if _registry(ebook_id) is not None:
        return Outcome("published"), ebook_id
    waiting = FieldError(
        "file",
        f"the e-book is not live: {md_key} is missing or rejected (see {store.report_key(md_key)})",
    )
    return Outcome("ignored", [waiting]), None


def _pin_warnings(pins: tuple[str, ...]) -> list[FieldError]:
    """A warning for each pinned related article that is not live (it is skipped until it is)."""
    warnings = []
    for index, pin in enumerate(pins):
        if not is_live(store.article_partition(pin).get(keys.ARTICLE_SK)):
            warnings.append(
                FieldError(
                    f"related[{index}]",
                    f"artiklen '{pin}' er ikke udgivet; den vises som relateret, "
                    "så snart den bliver udgivet",
                )
            )
    return warnings


def _unpublish(key: str, live: str | None, source: store.SourceObject | None) -> Decision:
    operations = _unpublish_operations(key, live, store.article_partition(live)) if live else []
    return Decision(Outcome("unpublished"), True, None, source, operations)


_OTHER_EBOOK_FILE = FieldError(
    "file", "only ebooks/<id>.md (the description) and ebooks/<id>.pdf (the book) are used"
)


def _kind(key: str) -> str | None:
    """Which pipeline a key belongs to; None for folders and anything outside the prefixes."""
    if key.endswith("/"):
        return None
    if key.startswith(ARTICLES_PREFIX):
        return "article"
    if key.startswith(EBOOKS_PREFIX):
        extension = split_key(key)[1]
        if extension in MARKDOWN_EXTENSIONS:
            return "ebook"
        return "pdf" if extension == ".pdf" else "other"
    return None


def _pdf_key(markdown_key: str) -> str:
    return markdown_key[: -len(split_key(markdown_key)[1])] + ".pdf"


def _markdown_key(pdf_key: str) -> str:
    return pdf_key[: -len(".pdf")] + ".md"


def _too_large(size: int) -> FieldError:
    return FieldError("file", f"the file is {size} bytes; the limit is {MAX_SOURCE_BYTES} bytes")


def _ebook_owned(ebook_id: str, registry: Item) -> FieldError:
    return FieldError(
        "file", f"the e-book id '{ebook_id}' is already used by {registry.get('source_key')}"
    )


def _read(event: UploadEvent) -> store.SourceObject | None:
    """The version an event names; for removals and vanished versions, what S3 holds now."""
    if not event.removed:
        source = store.read_source(event.key, event.version_id, max_bytes=MAX_SOURCE_BYTES)
        if source is not None or not event.version_id:
            return source
    return store.read_source(event.key, None, max_bytes=MAX_SOURCE_BYTES)


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
    source_key: str, slug: str, ebook_id: str | None, current: dict[str, Item]
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
    registry = _registry(ebook_id)
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


def _registry(ebook_id: str) -> Item | None:
    """The e-book's registry item (read consistently), or None while it is not live."""
    return store.get_item(ebooks.ebook_pk(ebook_id), ebooks.EBOOK_SK)


def _delete_registry(source_key: str, ebook_id: str) -> store.Operation:
    return store.delete(
        ebooks.ebook_pk(ebook_id), ebooks.EBOOK_SK, "source_key = :key", {":key": source_key}
    )


def sync_ebook_copies(ebook_id: str) -> None:
    """Make every referencing article's e-book copy match the registry (or vanish with it).

    Each write is conditioned on the article still naming this e-book, so an article edited
    meanwhile is left to its own publish. Idempotent: safe to repeat after any failure.
    """
    if not ebook_id:
        return
    registry = _registry(ebook_id)
    for slug in ebooks.referencing_slugs(ebook_id):
        current = store.article_partition(slug)
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
            store.transact([guard, write])
        except store.WriteConflict:
            continue  # the article changed meanwhile; its own publish sets its copy
        freshness.written([write])
