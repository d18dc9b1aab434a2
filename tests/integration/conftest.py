"""Fixtures shared by integration tests: the API app in process over the moto world, the
sample e-book online, and the local stack's components' moto server of their own on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import to_dynamo
from newsdesk.dal.ebooks import ebook_item
from newsdesk.models import Ebook

from infra.local.stack import MotoServer


@pytest.fixture
def client(aws: dict[str, Any]) -> Iterator[TestClient]:
    """The API app in process, over the moto world of `aws`."""
    from newsdesk.api.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def sample_ebook(aws: dict[str, Any]) -> Iterator[None]:
    """The e-book `ballerup-shopping` online and its sender verified, so requests get mailed."""
    from newsdesk.config import settings
    from newsdesk.dal import secrets

    boto3.client("sesv2").create_email_identity(EmailIdentity=settings().ses_sender)
    ebook = Ebook(id="ballerup-shopping", title="Shopping", description="Butikkerne i Ballerup.")
    item = ebook_item(ebook, source_key="ebooks/ballerup-shopping.md", pdf_key="ebooks/b.pdf")
    dynamodb().put_item(TableName=aws["table"], Item=to_dynamo(item))
    secrets.reset()
    yield
    secrets.reset()


@pytest.fixture
def moto() -> Iterator[MotoServer]:
    """A moto server on a free loopback port, stopped after the test."""
    server = MotoServer("127.0.0.1", 0)
    server.start()
    yield server
    server.stop()
