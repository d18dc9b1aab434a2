"""Redeeming links: a download (spends one use) and a newsletter confirmation (idempotent)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from newsdesk.clock import Clock, system_clock
from newsdesk.dal import ebook_requests as store
from newsdesk.dal.ebook_files import presigned_pdf_url
from newsdesk.dal.ebooks import get_ebook_item
from newsdesk.dal.secrets import token_secret
from newsdesk.logic.ebooks import policy, tokens
from newsdesk.logic.ebooks.errors import EbookNotFoundError, LinkUnavailableError

_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80


def content_disposition(title: str, fallback: str) -> str:
    """`attachment` with an ASCII `filename` every client accepts and the real name (RFC 5987).

    The ASCII name is transliterated (æ→ae), stripped to `[A-Za-z0-9._-]` and never empty, so
    it cannot break out of its quotes or name a path.
    """
    name = " ".join(unicodedata.normalize("NFC", title).split())[:_MAX_NAME] or fallback
    ascii_name = unicodedata.normalize("NFKD", name.translate(_DANISH))
    ascii_name = ascii_name.encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE.sub("-", ascii_name).strip("-._") or "e-bog"
    return (
        f'attachment; filename="{ascii_name}.pdf"; '
        f"filename*=UTF-8''{quote(name + '.pdf', safe='')}"
    )


def authorize_download(ebook_id: str, token: str, *, clock: Clock = system_clock) -> str:
    """The presigned URL of the e-book's PDF for a genuine link with uses left.

    Raises EbookNotFoundError, InvalidTokenError, ExpiredTokenError or LinkUnavailableError.
    """
    ebook = get_ebook_item(ebook_id)
    if ebook is None or not ebook.get("pdf_key"):
        raise EbookNotFoundError(ebook_id)
    claims = tokens.verify(
        token_secret(), token, purpose="download", ebook_id=ebook_id, now=clock()
    )
    outcome, _ = store.use_link(claims.r)
    if outcome != "ok":
        raise LinkUnavailableError(outcome)
    return presigned_pdf_url(
        str(ebook["pdf_key"]),
        content_disposition=content_disposition(str(ebook.get("title", "")), ebook_id),
        expires_in=int(policy.PRESIGNED_URL_LIFETIME.total_seconds()),
    )


def confirm_newsletter(token: str, *, clock: Clock = system_clock) -> None:
    """Activate the newsletter consent of the request behind a confirmation token."""
    now = clock()
    claims = tokens.verify(token_secret(), token, purpose="newsletter", ebook_id=None, now=now)
    link = store.get_link(claims.r)
    if link is None or not store.confirm_newsletter(link, confirmed_at=now):
        raise LinkUnavailableError("request no longer exists")
