"""Addresses as readers type them, and the mailbox they reach (what limits and erasure use).

`normalize_email` checks syntax and returns the deliverable ASCII spelling the mail is sent
to. `mailbox_key` folds every spelling that reaches the same mailbox into one key, so that
`Anna.Hansen+x@GoogleMail.com` and `annahansen@gmail.com` share one allowance and one
partition (and one erasure).
"""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

# RFC 5321's path and local-part limits; anything longer is not an address a mail server
# accepts (email_validator checks the local part only in its strict mode).
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_LENGTH = 64
# Quoted local parts and comments (RFC 5322) and RFC 2047 encoded words are legal in some
# places and mean something else in others (an encoded word may carry CR/LF into a header).
# No reader needs them, so they are refused before anything is stored or sent.
_REFUSED = re.compile(r'["()\\]|=\?|[\x00-\x20\x7f]')
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


_SPECIAL_USE = "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES)
# What every address `normalize_email` accepts looks like, for the API document (ECMA-262
# regex, also Python's): no refused character or `=?`, at most 64 characters before the @, a
# dotted domain, and a top-level label that
# is not special-use (`.test`, `.local`, …), with the blanks `str.strip` removes around it.
# `format: email` alone promises more than that.
_BLANKS = r"[\t-\r\x1c-\x20]*"
EMAIL_PATTERN = (
    rf'^(?![\s\S]*=\?){_BLANKS}[^@\x00-\x20\x7f"()\\]{{1,{MAX_LOCAL_LENGTH}}}@'
    rf"(?:[^@\x00-\x20\x7f.]+\.)+"
    rf"(?!(?:{_SPECIAL_USE}){_BLANKS}$)[^@\x00-\x20\x7f.]+{_BLANKS}$"
)


def normalize_email(raw: str) -> str:
    """The deliverable ASCII form of an address (IDN domains in punycode), or ValueError.

    Syntax only, no DNS: `check_deliverability=False`. Non-ASCII local parts are refused
    because SES cannot send to them.
    """
    address = raw.strip()
    if _REFUSED.search(address):
        raise ValueError(
            "Quoted text, comments, encoded words (=?…?=), spaces and control characters "
            "are not accepted in an e-mail address."
        )
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error
    if len(valid.local_part) > MAX_LOCAL_LENGTH:
        raise ValueError(
            f"The part before the @-sign is longer than {MAX_LOCAL_LENGTH} characters."
        )
    return valid.ascii_email or valid.normalized


def mailbox_key(email: str) -> str:
    """The mailbox an address reaches: what is counted, stored and erased under.

    Case is ignored, the domain is in IDNA (punycode) form, a `+tag` is removed for every
    domain, and Gmail ignores dots and treats googlemail.com as gmail.com.
    """
    local, _, domain = normalize_email(email).lower().rpartition("@")
    local = local.split("+", 1)[0] or local  # "+x@…" has nothing before the tag: keep it
    if domain in _GMAIL_DOMAINS:
        local, domain = local.replace(".", "") or local, "gmail.com"
    return f"{local}@{domain}"
