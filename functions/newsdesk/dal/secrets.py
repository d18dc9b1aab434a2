"""The e-book token secret, read from SSM Parameter Store (SecureString) and cached.

Operators create the parameter once (README, "Operators"); the template passes its name as
`EBOOK_TOKEN_PARAMETER`. Powertools caches the decrypted value for `SECRET_MAX_AGE` seconds,
so a warm function reads SSM a few times an hour at most and a rotation reaches every
instance within that time.
"""

from __future__ import annotations

from functools import cache

from aws_lambda_powertools.utilities.parameters import SSMProvider

from newsdesk.config import settings
from newsdesk.dal.clients import ssm

SECRET_MAX_AGE = 300
# HMAC-SHA256 keys shorter than this are guessable in practice; refuse to sign with them.
MIN_SECRET_BYTES = 32


class SecretMisconfiguredError(RuntimeError):
    """The token parameter exists but does not hold a usable secret."""


@cache
def _provider() -> SSMProvider:
    """One provider per process: its cache is what makes repeated reads free."""
    return SSMProvider(boto3_client=ssm())


def token_secret() -> bytes:
    """The current HMAC key for download and confirmation tokens."""
    value = _provider().get(settings().ebook_token_parameter, max_age=SECRET_MAX_AGE, decrypt=True)
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes) or len(value.strip()) < MIN_SECRET_BYTES:
        raise SecretMisconfiguredError(
            f"{settings().ebook_token_parameter} must hold at least {MIN_SECRET_BYTES} bytes"
        )
    return value.strip()


def reset() -> None:
    """Forget the provider and its cache (tests switch mocks and secrets between cases)."""
    _provider.cache_clear()
