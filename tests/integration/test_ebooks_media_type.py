"""What an e-book request body may be declared as: JSON (any charset, `+json`), plain text
(read as JSON: a browser's `fetch()` declares a string body so), an HTML form (urlencoded or
multipart, as `new FormData(form)` sends it), or nothing (read as JSON); anything else is a
415 problem, not a confusing 422."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

BODY = json.dumps({"email": "laeser@example.dk", "newsletter": False}).encode()
ROUTE = "/ebooks/ballerup-shopping/requests"


@pytest.fixture
def client(sample_ebook: None, client: TestClient) -> TestClient:
    """The app with the sample e-book online."""
    return client


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "application/merge+json",
        "application/x-www-form-urlencoded",  # JSON under a form's label, as $.ajax sends it
        "text/plain;charset=UTF-8",  # fetch(url, {method: "POST", body: JSON.stringify(…)})
        "text/plain",
    ],
)
def test_json_or_undeclared_bodies_are_read(client: TestClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(ROUTE, content=BODY, headers=headers)
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("content_type", ["application/xml", "text/html", "image/png"])
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


BOUNDARY = "----WebKitFormBoundaryx7Qz9rT2mYp4Lk3A"  # pragma: allowlist secret


def multipart(fields: list[tuple[str, str]], *, file: bool = False) -> bytes:
    """A body as Chromium sends `new FormData(form)`: CRLF lines, quoted names, UTF-8 text."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    if file:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="email"; filename="a.txt"\r\n'
            "Content-Type: text/plain\r\n\r\nnot-an-address\r\n"
        )
    return ("".join(parts) + f"--{BOUNDARY}--\r\n").encode()


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def test_form_data_posted_by_a_script_is_read_as_the_form(client: TestClient) -> None:
    """`fetch(url, {method: "POST", body: new FormData(form)})` sends multipart/form-data: the
    same fields as the urlencoded form, a ticked checkbox `on`, extra fields and files ignored."""
    fields = [("email", "laeser@example.dk"), ("newsletter", "on"), ("website", "")]
    fields.append(("send", "Tag e-bogen"))
    response = client.post(ROUTE, content=multipart(fields, file=True), headers=MULTIPART)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    refused = client.post(
        ROUTE, content=multipart([("email", "søren@example.dk")]), headers=MULTIPART
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "email"


def test_a_browsers_multipart_form_gets_the_danish_page(client: TestClient) -> None:
    headers = {**MULTIPART, "accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    body = multipart([("email", "laeser@example.dk"), ("website", "")])
    response = client.post(ROUTE, content=body, headers=headers)
    assert response.status_code == 202
    assert response.headers["content-type"].startswith("text/html")
    assert "Tjek din indbakke" in response.text


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=x", BODY),  # JSON under a multipart label: no parts
        ("multipart/form-data", multipart([("email", "laeser@example.dk")])),  # no boundary
        # a page without `<meta charset="utf-8">` posts "læser" in windows-1252
        (
            MULTIPART["content-type"],
            multipart([("email", "l?ser@example.dk")]).replace(b"?", b"\xe6"),
        ),
        (
            "text/plain;charset=UTF-8",
            b"email=laeser@example.dk\r\nwebsite=\r\n",
        ),  # enctype=text/plain
    ],
)
def test_bodies_that_do_not_parse_are_400(
    client: TestClient, content_type: str, body: bytes
) -> None:
    response = client.post(ROUTE, content=body, headers={"content-type": content_type})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/malformed-body")


def test_multipart_is_documented(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    content = document["paths"]["/ebooks/{ebook_id}/requests"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} <= set(
        content
    )
