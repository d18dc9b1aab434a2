"""What an upload's report says: its outcome, and the report document written beside it.

The document is the editors' contract (docs/redaktoer.md): `key`, `status`, `slug`, `errors`,
`processed_at` as always, plus `warnings`, `missing` and a Danish `message` (new fields only,
so older readers keep working), and for drafts and scheduled articles `preview_url`, for
scheduled ones `live_at`. Machine-readable field names stay English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from newsdesk.dal.codec import Item
from newsdesk.logic.publishing.loading import FieldError

type Status = Literal[
    "published", "scheduled", "rejected", "unpublished", "ignored", "pending", "failed"
]

# The report's one-line summary for each status, unless the outcome says more.
_MESSAGES: dict[str, str] = {
    "published": "Filen er udgivet.",
    "scheduled": "Artiklen er planlagt: den går selv online ved live_at (UTC).",
    "rejected": "Filen blev afvist: se errors. Den version, der var online før, er uændret.",
    "unpublished": "Filen er taget offline.",
    "ignored": "Filen bruges ikke til udgivelse.",
    "pending": "Filen er i orden og venter på den anden halvdel (se missing).",
    "failed": (
        "En fejl i systemet (ikke i filen) stoppede behandlingen. Der prøves automatisk igen; "
        "lykkes det, skifter rapporten status. Står den stadig på failed efter en time, så "
        "upload filen igen eller kontakt udviklerne."
    ),
}

# A live article given a future `published_at`: it leaves the site until then.
SCHEDULED_TAKEN_OFFLINE = (
    "Artiklen er planlagt og er taget offline indtil da: den går selv online igen ved live_at "
    "(UTC)."
)

# When Lambda has given up on an event (every attempt failed, timed out or ran out of memory).
FAILED_FINALLY = (
    "En fejl i systemet (ikke i filen) stoppede behandlingen, også efter flere forsøg. "
    "Den version, der var online før, er uændret. Upload filen igen; står rapporten stadig "
    "på failed, så kontakt udviklerne."
)

# When the go-live of a scheduled article failed for good: it is not online.
GO_LIVE_FAILED = (
    "Artiklen skulle være gået online ved live_at, men en fejl i systemet (ikke i filen) "
    "stoppede det, også efter flere forsøg. Den er ikke online. Upload filen igen for at "
    "udgive den, eller kontakt udviklerne."
)


# A report (stored twice in the key's source state, a DynamoDB item of at most 400 KB) lists
# this many problems, each cut to these lengths: a file with thousands of unknown keys or
# empty tags, or a key hundreds of kilobytes long, is still answered by a `rejected` report.
MAX_LISTED = 20
MAX_FIELD_LENGTH = 200
MAX_MESSAGE_LENGTH = 1_000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bounded(items: list[FieldError]) -> list[FieldError]:
    """At most MAX_LISTED problems of bounded length; the last one says how many were left out."""
    listed = [
        FieldError(_cut(e.field, MAX_FIELD_LENGTH), _cut(e.message, MAX_MESSAGE_LENGTH))
        for e in items[:MAX_LISTED]
    ]
    if len(items) > MAX_LISTED:
        left_out = len(items) - MAX_LISTED + 1
        listed[-1] = FieldError(
            "file",
            f"… og {left_out} problemer mere af samme slags. Ret dem ovenfor, og upload filen "
            "igen for at se resten.",
        )
    return listed


def _errors(items: list[FieldError]) -> list[Item]:
    return [{"field": e.field, "message": e.message} for e in items]


def _field_errors(items: list[Item] | None) -> list[FieldError]:
    return [FieldError(e["field"], e["message"]) for e in items or []]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an event asked for, as its report says it.

    `errors` are why it was not published, `warnings` what published but looks like a
    mistake, `missing` the keys a pending upload waits for, `message` a summary in Danish,
    `details` the report fields of drafts and scheduled articles (`live_at`, `preview_url`).
    """

    status: Status
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    message: str | None = None
    details: Item = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Frozen: the bounded lists replace the given ones once, at construction.
        object.__setattr__(self, "errors", bounded(self.errors))
        object.__setattr__(self, "warnings", bounded(self.warnings))

    def item(self) -> Item:
        """Stored form (in the source state)."""
        stored: Item = {"status": self.status, "errors": _errors(self.errors)}
        if self.warnings:
            stored["warnings"] = _errors(self.warnings)
        if self.missing:
            stored["missing"] = list(self.missing)
        if self.message:
            stored["message"] = self.message
        if self.details:
            stored["details"] = self.details
        return stored

    @classmethod
    def from_item(cls, item: Item) -> Outcome:
        """Back from the stored form (states written before warnings existed included)."""
        return cls(
            item["status"],
            _field_errors(item.get("errors")),
            _field_errors(item.get("warnings")),
            list(item.get("missing", [])),
            item.get("message"),
            dict(item.get("details", {})),
        )


# A rejected file whose key has nothing online: no "version online before" to keep; a
# scheduled version (its `live_at` in the report) still goes online as planned.
REJECTED_NOTHING_LIVE = "Filen blev afvist: se errors. Intet fra filen er online."
REJECTED_STILL_SCHEDULED = (
    "Filen blev afvist: se errors. Den planlagte version er uændret og går stadig online ved "
    "live_at (UTC)."
)


def _message(outcome: Outcome, live_slug: str | None) -> str:
    if outcome.message:
        return outcome.message
    if outcome.status == "rejected" and live_slug is None:
        return REJECTED_STILL_SCHEDULED if "live_at" in outcome.details else REJECTED_NOTHING_LIVE
    return _MESSAGES.get(outcome.status, "")


def report_document(
    key: str, outcome: Outcome, live_slug: str | None, processed_at: datetime
) -> Item:
    """The report as the editors' guide defines it; `slug` is what the key has live now."""
    return {
        "key": key,
        "status": outcome.status,
        "slug": live_slug,
        "errors": _errors(outcome.errors),
        "warnings": _errors(outcome.warnings),
        "missing": list(outcome.missing),
        "message": _message(outcome, live_slug),
        **outcome.details,
        "processed_at": processed_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }
