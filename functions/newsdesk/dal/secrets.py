"""Link-signing secrets, read once in a while and cached: the e-book key and the preview key.

The e-book token secret is read from SSM Parameter Store (SecureString).

The template passes the parameter's name as `EBOOK_TOKEN_PARAMETER`. Operators may create it
(README, "Operators"); where it does not exist yet, the first request creates it with a random
key (never overwriting one that exists), so a new stack works without a manual step.
Powertools caches the decrypted value for `SECRET_MAX_AGE` seconds, so a warm function reads
SSM a few times an hour at most and a rotation reaches every instance within that time.

The preview-link key is a Secrets Manager secret the template creates with a generated value
(`PreviewTokenSecret`, passed as `PREVIEW_TOKEN_SECRET`), cached the same way.
"""

from __future__ import annotations

import secrets
from functools import cache

from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from newsdesk.config import settings
from newsdesk.dal.clients import secretsmanager, ssm

SECRET_MAX_AGE = 300
# HMAC-SHA256 keys shorter than this are guessable in practice; refuse to sign with them.
MIN_SECRET_BYTES = 32


class SecretMisconfiguredError(RuntimeError):
    """The token parameter exists but does not hold a usable secret."""


@cache
def _provider() -> SSMProvider:
    """One provider per process: its cache is what makes repeated reads free."""
    return SSMProvider(boto3_client=ssm())


def _create_if_missing(name: str) -> None:
    """Create the parameter with a random key unless it exists (a racing creator wins)."""
    client = ssm()
    try:
        client.put_parameter(
            Name=name,
            Value=secrets.token_urlsafe(48),
            Type="SecureString",
            Overwrite=False,
            Description="HMAC key of e-mailed e-book links (created on first use)",
        )
    except client.exceptions.ParameterAlreadyExists:
        return


def token_secret() -> bytes:
    """The current HMAC key for download and confirmation tokens."""
    name = settings().ebook_token_parameter
    try:
        value = _provider().get(name, max_age=SECRET_MAX_AGE, decrypt=True)
    except GetParameterError:
        _create_if_missing(name)
        value = _provider().get(name, max_age=SECRET_MAX_AGE, decrypt=True, force_fetch=True)
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes) or len(value.strip()) < MIN_SECRET_BYTES:
        raise SecretMisconfiguredError(f"{name} must hold at least {MIN_SECRET_BYTES} bytes")
    return value.strip()


@cache
def _secrets_provider() -> SecretsProvider:
    """One Secrets Manager provider per process, for the same reason."""
    return SecretsProvider(boto3_client=secretsmanager())


def preview_secret() -> bytes:
    """The current HMAC key of editors' preview links."""
    name = settings().preview_token_secret
    value = _secrets_provider().get(name, max_age=SECRET_MAX_AGE)
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes) or len(value.strip()) < MIN_SECRET_BYTES:
        raise SecretMisconfiguredError(f"{name} must hold at least {MIN_SECRET_BYTES} bytes")
    return value.strip()


def reset() -> None:
    """Forget the providers and their caches (tests switch mocks and secrets between cases)."""
    _provider.cache_clear()
    _secrets_provider.cache_clear()
