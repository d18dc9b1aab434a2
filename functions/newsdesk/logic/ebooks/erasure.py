"""Erasure: remove every record of an address (requests, consents, counters, links)."""

from __future__ import annotations

from newsdesk.dal import ebook_requests as store
from newsdesk.logic.ebooks.mailbox import mailbox_key, normalize_email


def erase_reader(email: str) -> int:
    """Delete everything stored about `email`'s mailbox; the number of items removed.

    The address is reduced to its mailbox exactly as requests store it, so any spelling that
    reached the store (case, IDN domain, +tag, Gmail dots) finds the same records. Records
    stored under the whole lower-cased address (before mailboxes were counted) go too.
    Outstanding links stop working.
    """
    try:
        keys = {mailbox_key(email), normalize_email(email).lower()}
    except ValueError:  # no longer valid syntax: erase under the plain spelling only
        keys = {email.strip().lower()}
    return sum(store.erase_reader(key) for key in sorted(keys))
