"""Signed, expiring link tokens (`newsdesk.logic.signing`) for e-mailed e-book links.

The MAC covers a purpose-specific prefix and the exact claim bytes, so a download token
cannot confirm a newsletter, a token for one e-book cannot fetch another, and any change to
a single character is detected. Expiry is checked only after the signature: a forged token
is always "invalid", never "expired".
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from newsdesk.logic import signing
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


def sign(secret: bytes, claims: Claims) -> str:
    """The token for `claims` under `secret`."""
    return signing.sign(secret, _DOMAIN, claims)


def verify(
    secret: bytes, token: str, *, purpose: Purpose, ebook_id: str | None, now: datetime
) -> Claims:
    """The claims of a genuine, unexpired token for this purpose (and e-book), else raise.

    `ebook_id=None` accepts any e-book: the newsletter routes have none in their path. An
    expired token's error names its e-book (the claims are genuine: the MAC was checked).
    """
    try:
        claims = signing.unsign(secret, _DOMAIN, token, Claims, max_length=MAX_TOKEN_LENGTH)
    except signing.SignatureError as error:
        raise InvalidTokenError(str(error)) from error
    if claims.p != purpose or (ebook_id is not None and claims.b != ebook_id):
        raise InvalidTokenError("token was issued for something else")
    if now.timestamp() >= claims.x:
        raise ExpiredTokenError("token expired", ebook_id=claims.b)
    return claims
