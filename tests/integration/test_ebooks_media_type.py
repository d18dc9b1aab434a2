"""What an e-book request body may be declared as: JSON (any charset, `+json`), an HTML form,
or nothing (read as JSON); anything else is a 415 problem, not a confusing 422."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import to_dynamo
from newsdesk.dal.ebooks import ebook_item
from newsdesk.models import Ebook

BODY = json.dumps({"email": "laeser@example.dk", "newsletter": False}).encode()
ROUTE = "/ebooks/ballerup-shopping/requests"


@pytest.fixture
def client(aws: dict[str, Any]) -> Iterator[TestClient]:
    from newsdesk.api.app import create_app
    from newsdesk.config import settings
    from newsdesk.dal import secrets

    boto3.client("sesv2").create_email_identity(EmailIdentity=settings().ses_sender)
    ebook = Ebook(id="ballerup-shopping", title="Shopping", description="Butikkerne i Ballerup.")
    item = ebook_item(ebook, source_key="ebooks/ballerup-shopping.md", pdf_key="ebooks/b.pdf")
    dynamodb().put_item(TableName=aws["table"], Item=to_dynamo(item))
    secrets.reset()
    with TestClient(create_app()) as test_client:
        yield test_client
    secrets.reset()


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "application/merge+json",
        "application/x-www-form-urlencoded",  # JSON under a form's label, as $.ajax sends it
    ],
)
def test_json_or_undeclared_bodies_are_read(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(ROUTE, content=BODY, headers=headers)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "multipart/form-data; boundary=x", "application/xml"],
)
def test_other_declared_types_are_415(client: TestClient, content_type: str) -> None:
    response = client.post(ROUTE, content=BODY, headers={"content-type": content_type})
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/unsupported-media-type")


def test_415_is_documented(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "415" in document["paths"]["/ebooks/{ebook_id}/requests"]["post"]["responses"]


def test_html_form_fields_are_read(client: TestClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded; charset=UTF-8"}
    body = "email=laeser%40example.dk&newsletter=true&website="
    response = client.post(ROUTE, content=body, headers=form)
    assert response.status_code == 202, response.text
    refused = client.post(
        ROUTE, content="email=laeser%40example.dk&newsletter=kanske", headers=form
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "newsletter"


def test_a_pages_own_form_fields_are_left_out(client: TestClient) -> None:
    """A named submit button or a page's hidden field comes with the form: not an error."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    body = "email=laeser%40example.dk&newsletter=on&submit=Send+mig+e-bogen&page=forside"
    response = client.post(ROUTE, content=body, headers=form)
    assert response.status_code == 202, response.text
    strict = client.post(ROUTE, json={"email": "laeser@example.dk", "submit": "Send"})
    assert strict.status_code == 422  # a program's JSON body stays exact
