"""Editors' preview links: a signed, expiring token naming one upload, and the page it shows.

Token: signed claims (`newsdesk.logic.signing`) under a key of its own (not the e-book
links' key) and a purpose prefix of its own. The
claims name the source key, the version and the upload event's sequencer, and an expiry
seven days after the upload. Signature first, then expiry: a forged token is "invalid",
never "expired".

A preview answers the key's newest staged version (a draft or a scheduled article), even if
the token named an older one: an editor who re-uploads keeps one working link. When the key
has nothing staged any more it went live or was deleted: `PreviewGoneError` says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from newsdesk.dal import ebooks, scheduling, secrets
from newsdesk.dal import publishing as store
from newsdesk.dal.articles import article_from_meta
from newsdesk.logic import signing
from newsdesk.logic.related.preview import related_now
from newsdesk.models import Article

_DOMAIN = b"newsdesk-preview-link-v1\x00"
PREVIEW_LIFETIME = timedelta(days=7)
PREVIEW_PATH = "/preview/"
# S3 keys are at most 1024 bytes; a token for one is well under this.
MAX_TOKEN_LENGTH = 4096


class PreviewError(Exception):
    """Base of every refusal of a preview link."""


class InvalidPreviewError(PreviewError):
    """A token this service did not sign (tampered, truncated, made up)."""


class ExpiredPreviewError(PreviewError):
    """A genuine token past its seven days."""


class PreviewGoneError(PreviewError):
    """Nothing of the key is staged any more: it went live (`live_slug`) or was deleted."""

    def __init__(self, key: str, live_slug: str | None) -> None:
        super().__init__(f"{key}: {'live as ' + live_slug if live_slug else 'deleted'}")
        self.key = key
        self.live_slug = live_slug


class PreviewClaims(BaseModel):
    """What a preview token asserts: source key, version, upload sequencer, expiry (UNIX s)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    k: str = Field(min_length=1, max_length=1100)
    v: str | None = Field(default=None, max_length=1100)
    s: str = Field(min_length=1, max_length=200)
    x: int = Field(ge=0)


def sign(secret: bytes, claims: PreviewClaims) -> str:
    """The token for `claims` under `secret`."""
    return signing.sign(secret, _DOMAIN, claims)


def verify(secret: bytes, token: str, *, now: datetime) -> PreviewClaims:
    """The claims of a genuine, unexpired preview token, else raise."""
    try:
        claims = signing.unsign(secret, _DOMAIN, token, PreviewClaims, max_length=MAX_TOKEN_LENGTH)
    except signing.SignatureError as error:
        raise InvalidPreviewError(str(error)) from error
    if now.timestamp() >= claims.x:
        raise ExpiredPreviewError("preview link expired")
    return claims


def preview_url(
    base: str, *, key: str, version_id: str | None, sequencer: str, uploaded_at: datetime
) -> str:
    """The link a report carries: `base` (PUBLIC_API_URL) + `/preview/<token>`, or the path.

    The expiry counts from the upload, so every delivery of one event yields the same link.
    """
    claims = PreviewClaims(
        k=key,
        v=version_id,
        s=sequencer,
        x=int((uploaded_at + PREVIEW_LIFETIME).timestamp()),
    )
    return f"{base.rstrip('/')}{PREVIEW_PATH}{sign(secrets.preview_secret(), claims)}"


@dataclass(frozen=True, slots=True)
class Preview:
    """A staged version's page; `draft`: it goes live only when uploaded again without
    `status: draft` (its `published_at` is no go-live), else it is scheduled for then."""

    article: Article
    draft: bool


def preview(token: str, *, now: datetime) -> Preview:
    """The page the token's key would have if it went live now (newest staged version)."""
    claims = verify(secrets.preview_secret(), token, now=now)
    staged = scheduling.get_staged(claims.k)
    if staged is None:
        state = store.get_source_state(claims.k)
        raise PreviewGoneError(claims.k, state.live_slug if state else None)
    ebook_id = staged.meta.get("ebook_id")
    ebook = ebooks.get_ebook(ebook_id) if ebook_id else None
    article = article_from_meta(staged.meta, related_now(staged.meta), ebook)
    return Preview(article, draft=staged.status == "draft")
