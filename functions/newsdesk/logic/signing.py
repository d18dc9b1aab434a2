"""Signed claims in a URL: `<base64url claims>.<base64url HMAC-SHA256>`.

E-mailed e-book links and editors' preview links are both such tokens, each with a key and a
purpose prefix of its own inside the MAC, so one kind can never pass for another. Only
canonical base64url is accepted (two spellings of one token never both verify), the MAC is
compared in constant time, and the claims are parsed only after it matched: what a caller
checks next (purpose, expiry) is always about genuine claims.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

from pydantic import BaseModel, ValidationError


class SignatureError(ValueError):
    """Not a token this service signed (malformed, tampered, made up)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, domain: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, domain + payload, hashlib.sha256).digest()


def sign(secret: bytes, domain: bytes, claims: BaseModel) -> str:
    """The token for `claims` under `secret`, for the purpose `domain` names."""
    payload = claims.model_dump_json().encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, domain, payload))}"


def unsign[M: BaseModel](
    secret: bytes, domain: bytes, token: str, model: type[M], *, max_length: int
) -> M:
    """The claims of a token signed under `secret` for `domain`, else SignatureError."""
    if len(token) > max_length or token.count(".") != 1 or not token.isascii():
        raise SignatureError("malformed token")
    encoded_payload, encoded_mac = token.split(".")
    try:
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
    except (binascii.Error, ValueError) as error:
        raise SignatureError("token is not base64url") from error
    if _b64(payload) != encoded_payload or _b64(mac) != encoded_mac:
        raise SignatureError("token is not canonical base64url")
    if not hmac.compare_digest(mac, _mac(secret, domain, payload)):
        raise SignatureError("signature mismatch")
    try:
        return model.model_validate(json.loads(payload))
    except (ValueError, ValidationError) as error:  # signed by us: only on a format change
        raise SignatureError("unexpected claims") from error
