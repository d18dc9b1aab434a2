"""Redeeming links: a download (spends one use; a HEAD only checks), newsletter confirmation
and withdrawal.

Confirmation and withdrawal are idempotent, and only their `confirm_*`/`withdraw_*`
functions change anything: the `*_state` functions behind the pages a GET shows read only,
so a mail filter that prefetches links changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from newsdesk.clock import Clock, system_clock
from newsdesk.dal import ebook_requests as store
from newsdesk.dal.codec import Item
from newsdesk.dal.ebook_files import presigned_pdf_url
from newsdesk.dal.ebooks import get_ebook_item
from newsdesk.dal.secrets import token_secret
from newsdesk.logic.ebooks import policy, tokens
from newsdesk.logic.ebooks.errors import EbookNotFoundError, LinkUnavailableError
from newsdesk.observability import logger

# "pending": asked for and not confirmed; "confirmed": on file; "withdrawn": not (any more).
type ConsentStatus = Literal["pending", "confirmed", "withdrawn"]

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


def _downloadable(ebook_id: str, token: str, now: datetime) -> tuple[Item, str]:
    ebook = get_ebook_item(ebook_id)
    if ebook is None or not ebook.get("pdf_key"):
        raise EbookNotFoundError(ebook_id)
    claims = tokens.verify(token_secret(), token, purpose="download", ebook_id=ebook_id, now=now)
    return ebook, claims.r


def check_download(ebook_id: str, token: str, *, clock: Clock = system_clock) -> None:
    """Whether the link would give the PDF now, changing nothing (a HEAD, a mail scanner).

    Raises what `authorize_download` raises for the same link.
    """
    _, request_id = _downloadable(ebook_id, token, clock())
    link = store.get_link(request_id)
    if link is None:
        raise LinkUnavailableError("missing")
    if link.uses >= link.max_uses:
        raise LinkUnavailableError("exhausted")


def authorize_download(ebook_id: str, token: str, *, clock: Clock = system_clock) -> str:
    """The presigned URL of the e-book's PDF for a genuine link with uses left; spends one.

    Raises EbookNotFoundError, InvalidTokenError, ExpiredTokenError or LinkUnavailableError.
    """
    ebook, request_id = _downloadable(ebook_id, token, clock())
    outcome, _ = store.use_link(request_id)
    if outcome != "ok":
        raise LinkUnavailableError(outcome)
    return presigned_pdf_url(
        str(ebook["pdf_key"]),
        content_disposition=content_disposition(str(ebook.get("title", "")), ebook_id),
        expires_in=int(policy.PRESIGNED_URL_LIFETIME.total_seconds()),
    )


def _confirmable(token: str, now: datetime) -> tuple[store.LinkRecord, ConsentStatus]:
    """The link behind a genuine confirmation token and its request's newsletter state."""
    claims = tokens.verify(token_secret(), token, purpose="newsletter", ebook_id=None, now=now)
    link = store.get_link(claims.r)
    status = store.newsletter_status(link) if link else None
    if link is None or status is None or status == "not_requested":
        raise LinkUnavailableError("missing")
    if status == "withdrawn":
        raise LinkUnavailableError("withdrawn")
    return link, status


def confirmation_state(token: str, *, clock: Clock = system_clock) -> ConsentStatus:
    """What confirming would find: "pending" (confirm it) or "confirmed" (nothing to do)."""
    return _confirmable(token, clock())[1]


def confirm_newsletter(token: str, *, clock: Clock = system_clock) -> ConsentStatus:
    """Activate the newsletter consent behind a confirmation token; the state it was in.

    Raises InvalidTokenError, ExpiredTokenError or LinkUnavailableError.
    """
    now = clock()
    link, before = _confirmable(token, now)
    outcome = store.confirm_newsletter(link, confirmed_at=now)
    if outcome != "confirmed":
        raise LinkUnavailableError(outcome)
    if before == "pending":
        logger.info("newsletter consent confirmed", extra={"request_id": link.request_id})
    return before


def withdrawal_state(token: str, *, clock: Clock = system_clock) -> ConsentStatus:
    """The consent a withdrawal link would withdraw: confirmed, pending, or none ("withdrawn")."""
    claims = tokens.verify(token_secret(), token, purpose="withdraw", ebook_id=None, now=clock())
    if store.has_consent(claims.r):
        return "confirmed"
    link = store.get_link(claims.r)
    status = store.newsletter_status(link) if link else None
    return "pending" if status == "pending" else "withdrawn"


def withdraw_newsletter(token: str, *, clock: Clock = system_clock) -> bool:
    """Withdraw the consent given (or asked for) through this request; True if there was one.

    The consent record is deleted. The log names the request, never the address.
    """
    now = clock()
    claims = tokens.verify(token_secret(), token, purpose="withdraw", ebook_id=None, now=now)
    withdrawn = store.withdraw_newsletter(claims.r, withdrawn_at=now)
    if withdrawn:
        logger.info(
            "newsletter consent withdrawn", extra={"request_id": claims.r, "ebook_id": claims.b}
        )
    return withdrawn
