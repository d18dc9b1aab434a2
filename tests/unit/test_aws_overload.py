"""Which AWS errors mean "shed load, try again shortly" (a 503) rather than a defect (a 500)."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from newsdesk.dal.clients import overloaded


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "…"}}, "Query")


@pytest.mark.parametrize(
    "code",
    [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "InternalServerError",
        "ServiceUnavailable",
    ],
)
def test_throttling_and_aws_side_failures_are_overload(code: str) -> None:
    assert overloaded(_client_error(code))


@pytest.mark.parametrize(
    "code",
    [
        "AccessDeniedException",
        "ValidationException",
        "ResourceNotFoundException",
        "ConditionalCheckFailedException",
        "",
    ],
)
def test_our_own_mistakes_are_not(code: str) -> None:
    assert not overloaded(_client_error(code))


def test_unreachable_or_slow_endpoints_are_overload() -> None:
    assert overloaded(EndpointConnectionError(endpoint_url="https://dynamodb"))
    assert overloaded(ConnectTimeoutError(endpoint_url="https://dynamodb"))
    assert overloaded(ReadTimeoutError(endpoint_url="https://dynamodb"))


def test_a_wrapped_throttle_is_found_through_its_cause() -> None:
    """Powertools' secrets provider re-raises the SDK's error as its own."""
    wrapped = RuntimeError("could not read the secret")
    wrapped.__cause__ = _client_error("ThrottlingException")
    assert overloaded(wrapped)
    implicit = RuntimeError("while handling")
    implicit.__context__ = EndpointConnectionError(endpoint_url="https://secretsmanager")
    assert overloaded(implicit)
    assert not overloaded(RuntimeError("plain bug"))
    assert not overloaded(KeyError("slug"))
