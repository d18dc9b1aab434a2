"""Lazily created, process-wide AWS clients.

Endpoints come from the SDK's own configuration (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`, …),
so the same code talks to AWS, to moto's server and to moto's in-process mock.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


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
