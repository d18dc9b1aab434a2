"""Signed, expiring link tokens: `<base64url claims>.<base64url HMAC-SHA256>`.

The MAC covers a purpose-specific prefix and the exact claim bytes, so a download token
cannot confirm a newsletter, a token for one e-book cannot fetch another, and any change to
a single character is detected. Expiry is checked only after the signature: a forged token
is always "invalid", never "expired".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newsdesk.logic.ebooks.errors import ExpiredTokenError, InvalidTokenError

type Purpose = Literal["download", "newsletter", "withdraw"]

_DOMAIN = b"newsdesk-ebook-link-v1\x00"
# Far longer than any token we issue (~200 chars); refuses junk before decoding it.
MAX_TOKEN_LENGTH = 512


class Claims(BaseModel):
    """What a token asserts: purpose, e-book, request and expiry (UNIX seconds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    p: Literal["download", "newsletter", "withdraw"]
    b: str = Field(min_length=1, max_length=200)
    r: str = Field(pattern=r"^[0-9a-f]{32}$")
    x: int = Field(ge=0)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, _DOMAIN + payload, hashlib.sha256).digest()


def sign(secret: bytes, claims: Claims) -> str:
    """The token for `claims` under `secret`."""
    payload = claims.model_dump_json().encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify(
    secret: bytes, token: str, *, purpose: Purpose, ebook_id: str | None, now: datetime
) -> Claims:
    """The claims of a genuine, unexpired token for this purpose (and e-book), else raise.

    `ebook_id=None` accepts any e-book: the newsletter routes have none in their path. An
    expired token's error names its e-book (the claims are genuine: the MAC was checked).
    """
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidTokenError("malformed token")
    encoded_payload, encoded_mac = token.split(".")
    try:
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
    except (binascii.Error, ValueError) as error:
        raise InvalidTokenError("token is not base64url") from error
    # Canonical encoding only: otherwise two spellings of one token would both verify.
    if _b64(payload) != encoded_payload or _b64(mac) != encoded_mac:
        raise InvalidTokenError("token is not canonical base64url")
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        raise InvalidTokenError("signature mismatch")
    try:
        claims = Claims.model_validate(json.loads(payload))
    except (ValueError, ValidationError) as error:  # signed by us, so only on a format change
        raise InvalidTokenError("unexpected claims") from error
    if claims.p != purpose or (ebook_id is not None and claims.b != ebook_id):
        raise InvalidTokenError("token was issued for something else")
    if now.timestamp() >= claims.x:
        raise ExpiredTokenError("token expired", ebook_id=claims.b)
    return claims
