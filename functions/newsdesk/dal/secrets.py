"""Secrets the stack creates (AWS::SecretsManager::Secret), read through Powertools and cached.

The template names each secret by its ARN in the environment (`EBOOK_TOKEN_SECRET`,
`ORIGIN_VERIFY_SECRET`) and generates its value; no function may write a secret, so nothing
here does. Powertools caches each value for `SECRET_MAX_AGE` seconds: a warm function reads
Secrets Manager a few times an hour at most, and a rotation reaches every instance within
that time (docs/operations.md, "Secrets and rotation").
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from newsdesk.config import settings
from newsdesk.dal.clients import secretsmanager

SECRET_MAX_AGE = 300
# HMAC-SHA256 keys shorter than this are guessable in practice; refuse to sign with them.
MIN_SECRET_BYTES = 32


class SecretMisconfiguredError(RuntimeError):
    """A secret exists but does not hold a usable value."""


@cache
def _provider() -> SecretsProvider:
    """One provider per process: its cache is what makes repeated reads free."""
    return SecretsProvider(boto3_client=secretsmanager())


def _read(secret_id: str) -> str:
    value = _provider().get(secret_id, max_age=SECRET_MAX_AGE)
    if isinstance(value, bytes):
        value = value.decode()
    if not isinstance(value, str):
        raise SecretMisconfiguredError(f"{secret_id} does not hold a string")
    return value.strip()


def token_secret() -> bytes:
    """The current HMAC key for download and confirmation tokens."""
    secret_id = settings().ebook_token_secret
    value = _read(secret_id).encode()
    if len(value) < MIN_SECRET_BYTES:
        raise SecretMisconfiguredError(f"{secret_id} must hold at least {MIN_SECRET_BYTES} bytes")
    return value


def origin_verify_secret() -> str | None:
    """The value CloudFront sends in `X-Origin-Verify`; None where no CDN is configured."""
    secret_id = settings().origin_verify_secret
    if not secret_id:
        return None
    value = _read(secret_id)
    if len(value) < MIN_SECRET_BYTES:
        raise SecretMisconfiguredError(f"{secret_id} must hold at least {MIN_SECRET_BYTES} bytes")
    return value


def reset() -> None:
    """Forget the provider and its cache (tests switch mocks and secrets between cases)."""
    _provider.cache_clear()
