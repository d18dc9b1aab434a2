"""Lazily created, process-wide AWS clients.

Endpoints come from the SDK's own configuration (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`, …),
so the same code talks to AWS, to moto's server and to moto's in-process mock.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as AwsConnectionError

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)

# What AWS answers when it sheds load or fails on its side (the SDK's retries included):
# the same call can succeed a moment later, so it is no bug of ours.
_OVERLOAD_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalError",
        "RequestTimeout",
    }
)


def overloaded(error: BaseException) -> bool:
    """Whether `error` (or what caused it) is AWS throttling, failing on its side or unreachable.

    Callers answer such errors with "try again shortly" rather than as a defect; the chain is
    followed because wrappers (Powertools' secrets provider) re-raise the SDK's error.
    """
    seen: BaseException | None = error
    for _ in range(5):  # a short chain; a cycle cannot keep us here
        if seen is None:
            return False
        if isinstance(seen, ClientError):
            return seen.response.get("Error", {}).get("Code") in _OVERLOAD_CODES
        if isinstance(seen, AwsConnectionError | ReadTimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@cache
def dynamodb() -> DynamoDBClient:
    """The DynamoDB client (low-level: cheaper than the resource API)."""
    return boto3.client("dynamodb", config=_CONFIG)


@cache
def s3() -> S3Client:
    """The S3 client, with SigV4 so presigned URLs work on every endpoint."""
    return boto3.client("s3", config=_CONFIG.merge(Config(signature_version="s3v4")))


@cache
def sesv2() -> SESV2Client:
    """The SES v2 client that sends e-book links."""
    return boto3.client("sesv2", config=_CONFIG)


@cache
def secretsmanager() -> SecretsManagerClient:
    """The Secrets Manager client behind the cached Powertools secrets provider."""
    return boto3.client("secretsmanager", config=_CONFIG)


@cache
def cloudfront() -> CloudFrontClient:
    """The CloudFront client that invalidates changed paths at the edge."""
    return boto3.client("cloudfront", config=_CONFIG)


@cache
def scheduler() -> EventBridgeSchedulerClient:
    """The EventBridge Scheduler client that sets articles' go-live schedules."""
    return boto3.client("scheduler", config=_CONFIG)


def reset() -> None:
    """Forget cached clients (tests switch endpoints and mocks between cases)."""
    dynamodb.cache_clear()
    s3.cache_clear()
    sesv2.cache_clear()
    secretsmanager.cache_clear()
    cloudfront.cache_clear()
    scheduler.cache_clear()


@cache
def sqs() -> SQSClient:
    """The SQS client that hands on-failure records to the publish dead-letter queue."""
    return boto3.client("sqs", config=_CONFIG)
