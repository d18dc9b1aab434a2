"""Erasure: remove every record of an address (requests, consents, counters, links)."""

from __future__ import annotations

from newsdesk.dal import ebook_requests as store
from newsdesk.logic.ebooks.requests import email_key


def erase_reader(email: str) -> int:
    """Delete everything stored about `email`; the number of items removed.

    The address is normalised exactly as requests store it, so any spelling that reached
    the store (case, IDN domain) finds the same records. Outstanding links stop working.
    """
    try:
        key = email_key(email)
    except ValueError:  # no longer valid syntax: erase under the plain lower-cased spelling
        key = email.strip().lower()
    return store.erase_reader(key)
