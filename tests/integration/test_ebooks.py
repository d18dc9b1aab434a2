"""E-book downloads end to end with moto: request → e-mail → link → 302 → PDF bytes.

Also every refusal, the limits, expiry on a controllable clock, double opt-in, the local
outbox, the Mangum path with a real API Gateway event, and erasure proven by a table scan.
"""

from __future__ import annotations

import base64
import email
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from newsdesk import config
from newsdesk.api import ebooks as ebooks_api
from newsdesk.config import settings
from newsdesk.dal import secrets
from newsdesk.dal.clients import dynamodb
from newsdesk.dal.codec import from_dynamo, to_dynamo
from newsdesk.dal.ebooks import ebook_item
from newsdesk.logic.ebooks import policy
from newsdesk.logic.ebooks.consent import CONSENT_TEXT_VERSION
from newsdesk.logic.ebooks.erasure import erase_reader
from newsdesk.logic.ebooks.mailbox import normalize_email
from newsdesk.models import Ebook

from infra.local.httpapi import request_event
from tests.conftest import REGION

SENDER = "nyhedsbrev@example.com"
EBOOK_ID = "ballerup-shopping"
TITLE = "Hemmelighederne bag Ballerups bedste shopping"
PDF_KEY = f"ebooks/{EBOOK_ID}.pdf"
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
READER = "Mette.Hansen@Example.dk"
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def ebook_aws(aws: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The e-book in the registry, its PDF in the bucket, the token secret and SES sender."""
    import boto3

    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=settings().ebook_token_secret,
        SecretString=base64.b64encode(b"k" * 48).decode(),
    )
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=SENDER)
    aws["s3"].put_object(Bucket=aws["bucket"], Key=PDF_KEY, Body=PDF_BYTES)
    ebook = Ebook(id=EBOOK_ID, title=TITLE, description="Opdag de bedste butikker i Ballerup.")
    item = ebook_item(ebook, source_key=f"ebooks/{EBOOK_ID}.md", pdf_key=PDF_KEY)
    dynamodb().put_item(TableName=aws["table"], Item=to_dynamo(item))
    secrets.reset()
    yield aws
    secrets.reset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(ebook_aws: dict[str, Any], clock: FakeClock) -> FastAPI:
    from newsdesk.api.app import create_app

    application = create_app()
    application.dependency_overrides[ebooks_api.get_clock] = lambda: clock
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def sent_messages() -> list[EmailMessage]:
    """What moto's SES accepted (raw MIME, as SES gets it), parsed, oldest first."""
    parsed = []
    for sent in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages:
        message = email.message_from_string(sent.raw_data, policy=default_policy)
        assert isinstance(message, EmailMessage)
        parsed.append(message)
    return parsed


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def links_in(message: EmailMessage) -> list[str]:
    return [html.unescape(url) for url in re.findall(r'href="([^"]+)"', html_of(message))]


def request_book(
    client: TestClient, address: str = READER, *, newsletter: bool = False, **extra: Any
) -> Any:
    body = {"email": address, "newsletter": newsletter, **extra}
    return client.post(f"/ebooks/{EBOOK_ID}/requests", json=body)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def download_link(client: TestClient, address: str = READER) -> str:
    assert request_book(client, address).status_code == 202
    message = sent_messages()[-1]
    (link,) = [u for u in links_in(message) if "/download?" in u]
    return path_of(link)


def scan_all() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": settings().table_name, "ConsistentRead": True}
    while True:
        page = dynamodb().scan(**request)
        items.extend(map(from_dynamo, page.get("Items", [])))
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# --- the whole flow ---------------------------------------------------------------------


def test_request_mail_link_redirect_pdf(client: TestClient) -> None:
    response = request_book(client)
    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    assert "public" not in response.headers.get("cache-control", "")
    (message,) = sent_messages()
    assert message["From"] == SENDER
    assert message["To"] == "Mette.Hansen@example.dk"
    assert message["Subject"] == f"Din e-bog: {TITLE}"
    assert "List-Unsubscribe" not in message  # no newsletter wish, nothing to withdraw
    (link,) = links_in(message)
    assert link.startswith(f"{settings().public_api_url}/ebooks/{EBOOK_ID}/download?token=")

    redirect = client.get(path_of(link))
    assert redirect.status_code == 302
    assert redirect.headers["cache-control"] == "no-store"
    location = redirect.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["300"]
    disposition = query["response-content-disposition"][0]
    assert disposition.startswith('attachment; filename="Hemmelighederne-bag-Ballerups-bedste')
    assert "filename*=UTF-8''Hemmelighederne%20bag%20Ballerups" in disposition
    pdf = requests.get(location, timeout=5)  # answered by moto's S3 mock
    assert pdf.status_code == 200
    assert pdf.content == PDF_BYTES
    assert pdf.headers["content-disposition"] == disposition


def test_consent_record_is_stored(client: TestClient) -> None:
    assert request_book(client, newsletter=True, website="").status_code == 202
    (record,) = [i for i in scan_all() if i["SK"].startswith("REQUEST#")]
    assert record["PK"] == "READER#mette.hansen@example.dk"
    assert record["email"] == "Mette.Hansen@example.dk"
    assert record["ebook_id"] == EBOOK_ID
    assert record["newsletter"] is True
    assert record["newsletter_status"] == "pending"
    assert record["consent_text_version"] == CONSENT_TEXT_VERSION
    assert record["requested_at"] == START.isoformat()
    assert record["source"] == f"POST /ebooks/{EBOOK_ID}/requests"
    assert record["client_ip"] == "testclient"
    assert record["expires_at"] == int((START + policy.REQUEST_RETENTION).timestamp())


def test_links_are_bounded_in_uses(client: TestClient) -> None:
    link = download_link(client)
    for _ in range(policy.LINK_MAX_USES):
        assert client.get(link).status_code == 302
    spent = client.get(link)
    assert spent.status_code == 410
    assert spent.json()["type"].endswith("/link-used-up")


def test_link_expires_on_the_clock(client: TestClient, clock: FakeClock) -> None:
    link = download_link(client)
    clock.advance(policy.LINK_LIFETIME - timedelta(seconds=1))
    assert client.get(link).status_code == 302
    clock.advance(timedelta(seconds=1))
    expired = client.get(link)
    assert expired.status_code == 410
    assert expired.headers["content-type"] == "application/problem+json"
    assert expired.json()["type"].endswith("/link-expired")


# --- refusals ---------------------------------------------------------------------------


def test_tampered_tokens_are_403(client: TestClient) -> None:
    link = download_link(client)
    token = parse_qs(urlsplit(link).query)["token"][0]
    payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(claims | {"x": 2**40}).encode()).decode()
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    for bad in (f"{forged.rstrip('=')}.{mac}", f"{payload}.{flipped}", "abc", "a.b.c", "."):
        response = client.get(f"/ebooks/{EBOOK_ID}/download", params={"token": bad})
        assert response.status_code == 403, bad
        assert response.json()["type"].endswith("/invalid-token")


def test_token_of_another_ebook_or_purpose_is_403(
    client: TestClient, ebook_aws: dict[str, Any]
) -> None:
    other = Ebook(id="haveguide", title="Haveguide", description="Om haver.")
    item = ebook_item(other, source_key="ebooks/haveguide.md", pdf_key="ebooks/haveguide.pdf")
    dynamodb().put_item(TableName=ebook_aws["table"], Item=to_dynamo(item))
    link = download_link(client)
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert client.get("/ebooks/haveguide/download", params={"token": token}).status_code == 403
    assert client.get("/newsletter/confirm", params={"token": token}).status_code == 403


def test_unknown_ebook_is_404_everywhere(client: TestClient) -> None:
    link = download_link(client)
    token = parse_qs(urlsplit(link).query)["token"][0]
    for response in (
        client.get("/ebooks/findes-ikke"),
        client.get("/ebooks/Not_An_Id"),
        client.post("/ebooks/findes-ikke/requests", json={"email": READER}),
        client.get("/ebooks/findes-ikke/download", params={"token": token}),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/ebook-not-found")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "ikke-en-adresse"},
        {"email": "x@localhost"},
        {"email": "æble@example.dk"},
        {"email": READER, "newsletter": "ja"},
        {"email": READER, "extra": 1},
        {"email": "a" * 250 + "@example.dk"},
        [READER],
    ],
)
def test_bad_bodies_are_422(client: TestClient, body: Any) -> None:
    response = client.post(f"/ebooks/{EBOOK_ID}/requests", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert sent_messages() == []


def test_malformed_json_and_oversized_bodies(client: TestClient) -> None:
    url = f"/ebooks/{EBOOK_ID}/requests"
    for junk in (b'{"email": ', b"email=a@example.dk", b"\xff\xfe\x00", b"[1, 2"):
        broken = client.post(url, content=junk, headers={"content-type": "application/json"})
        assert broken.status_code == 400, junk
        assert broken.headers["content-type"] == "application/problem+json"
        problem = broken.json()
        assert problem["type"].endswith("/malformed-body")
        assert problem["detail"].startswith("The body is not valid JSON (")
        assert "errors" not in problem  # no field named "0"
    huge = json.dumps({"email": READER, "website": "x" * ebooks_api.MAX_BODY_BYTES}).encode()
    too_big = client.post(url, content=huge, headers={"content-type": "application/json"})
    assert too_big.status_code == 413
    assert too_big.json()["type"].endswith("/payload-too-large")
    assert sent_messages() == []


def test_the_largest_body_the_document_allows_is_read_not_refused_as_too_large(
    client: TestClient,
) -> None:
    """maxLength counts characters; JSON clients escape an astral one as 12 bytes.

    A body within the schema's lengths (or one character over them) is judged by its content
    (here 422: no such address), never by its size (413).
    """
    url = f"/ebooks/{EBOOK_ID}/requests"
    astral = "\U0001f4da"
    for extra in (0, 1):
        body = {"email": astral * (254 + extra), "website": astral * (200 + extra)}
        sent = client.post(
            url, content=json.dumps(body), headers={"content-type": "application/json"}
        )
        assert sent.status_code == 422, extra
        assert sent.headers["content-type"] == "application/problem+json"
    assert sent_messages() == []


def test_missing_token_is_422(client: TestClient) -> None:
    assert client.get(f"/ebooks/{EBOOK_ID}/download").status_code == 422
    for path in ("/newsletter/confirm", "/newsletter/withdraw"):
        assert client.get(path).status_code == 422
        assert client.post(path).status_code == 422


def test_messages_carry_no_pydantic_prefix(client: TestClient) -> None:
    response = request_book(client, "ikke-en-adresse")
    (error,) = response.json()["errors"]
    assert error["field"] == "email"
    assert not error["message"].startswith("Value error")
    assert "@" in error["message"]  # email-validator's own explanation


def test_honeypot_answers_like_success_and_does_nothing(client: TestClient) -> None:
    before = scan_all()
    bot = request_book(client, website="https://spam.example")
    assert bot.status_code == 202
    assert bot.json() == request_book(client, "another@example.dk").json()
    assert len(sent_messages()) == 1  # only the person's request
    new_keys = {(i["PK"], i["SK"]) for i in scan_all()} - {(i["PK"], i["SK"]) for i in before}
    assert not any("mette" in pk for pk, _ in new_keys)


def test_mail_service_failure_is_503(client: TestClient) -> None:
    ses_backends[DEFAULT_ACCOUNT_ID][REGION].email_identities.clear()  # sender not verified
    response = request_book(client)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"


# --- limits -----------------------------------------------------------------------------


def test_per_address_limit_sends_no_more_mail_and_says_nothing(
    client: TestClient, clock: FakeClock
) -> None:
    for _ in range(policy.ADDRESS_LIMIT):
        assert request_book(client).status_code == 202
        clock.advance(policy.REPEAT_WINDOW)
    mails = sent_messages()
    assert len(mails) == policy.ADDRESS_LIMIT
    assert "ikke flere e-mails" not in text_of(mails[0])
    assert "ikke flere e-mails" in text_of(mails[-1])  # the last one says so
    records_before = len(scan_all())

    clock.advance(timedelta(hours=1))
    limited = request_book(client, READER.upper())  # same mailbox, other spelling
    answered = request_book(client, "someone.else@example.dk")
    assert limited.status_code == answered.status_code == 202
    assert limited.json() == answered.json()
    assert "retry-after" not in limited.headers
    assert len(sent_messages()) == policy.ADDRESS_LIMIT + 1  # only someone else's
    new_items = len(scan_all()) - records_before
    assert new_items == 4  # someone else's request, link, counter and repeat mark; none of ours

    clock.advance(timedelta(hours=23))  # the mailbox's window (24 h from its first) closed
    assert request_book(client).status_code == 202
    assert len(sent_messages()) == policy.ADDRESS_LIMIT + 2


@pytest.mark.parametrize(
    "spellings",
    [
        ["anna.hansen+x@gmail.com", "annahansen@gmail.com", "Anna.Hansen@GoogleMail.com"],
        ["mette+bog@example.dk", "METTE@EXAMPLE.DK", "mette+nyt@Example.dk"],
    ],
)
def test_limit_counts_the_mailbox_not_the_spelling(
    client: TestClient, clock: FakeClock, spellings: list[str]
) -> None:
    for address in [*spellings, *spellings]:
        assert request_book(client, address).status_code == 202
        clock.advance(policy.REPEAT_WINDOW)
    assert len(sent_messages()) == policy.ADDRESS_LIMIT
    # each mail went to the spelling that asked for it, not to the folded key
    assert [str(m["To"]) for m in sent_messages()] == [normalize_email(a) for a in spellings]


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?b?YQ0KQmNjOiB2aWN0aW1AZXhhbXBsZS5kaw==?=@example.dk",
        "=?utf-8?q?a=0D=0Ab?=@example.dk",
        '"anna hansen"@example.dk',
        "anna(kommentar)@example.dk",
        "anna@example.dk (kommentar)",
        "anna\r\nBcc: victim@example.dk@example.dk",
    ],
)
def test_encoded_words_quotes_and_comments_are_422_and_store_nothing(
    client: TestClient, address: str
) -> None:
    before = scan_all()
    response = request_book(client, address)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "email"
    assert scan_all() == before
    assert sent_messages() == []


def test_identical_request_within_a_minute_sends_one_mail(
    client: TestClient, clock: FakeClock
) -> None:
    first, second = request_book(client), request_book(client)  # a double click
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert len(sent_messages()) == 1
    clock.advance(timedelta(seconds=30))
    assert request_book(client, "mette.hansen@example.dk").status_code == 202  # same mailbox
    assert len(sent_messages()) == 1
    assert request_book(client, newsletter=True).status_code == 202  # not identical: sent
    assert len(sent_messages()) == 2
    clock.advance(policy.REPEAT_WINDOW)
    assert request_book(client).status_code == 202
    assert len(sent_messages()) == 3
    requests = [i for i in scan_all() if i["SK"].startswith("REQUEST#")]
    assert len(requests) == 3  # the repeats stored nothing


def test_failed_mail_can_be_retried_at_once(client: TestClient) -> None:
    identities = ses_backends[DEFAULT_ACCOUNT_ID][REGION].email_identities
    saved = dict(identities)
    identities.clear()
    assert request_book(client).status_code == 503
    identities.update(saved)
    assert request_book(client).status_code == 202  # the repeat mark was released
    assert len(sent_messages()) == 1


def test_per_client_limit(client: TestClient, clock: FakeClock) -> None:
    for index in range(policy.CLIENT_LIMIT):
        assert request_book(client, f"laeser{index}@example.dk").status_code == 202
    limited = request_book(client, "ny@example.dk")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3600"
    assert "client" in limited.json()["detail"]
    clock.advance(policy.CLIENT_WINDOW)
    assert request_book(client, "ny@example.dk").status_code == 202


# --- double opt-in ----------------------------------------------------------------------


@dataclass(frozen=True)
class NewsletterMail:
    """The links of a mail sent with a newsletter wish (paths, ready for the test client)."""

    download: str
    confirm: str
    withdraw: str
    message: EmailMessage


def newsletter_mail(client: TestClient, address: str = READER) -> NewsletterMail:
    assert request_book(client, address, newsletter=True).status_code == 202
    message = sent_messages()[-1]
    download, confirm, withdraw = links_in(message)
    return NewsletterMail(path_of(download), path_of(confirm), path_of(withdraw), message)


def consents() -> list[dict[str, Any]]:
    return [i for i in scan_all() if i["SK"].startswith("CONSENT#")]


def test_newsletter_needs_a_confirming_post(client: TestClient, clock: FakeClock) -> None:
    assert request_book(client).status_code == 202
    assert len(links_in(sent_messages()[-1])) == 1  # no newsletter wish, no confirm link
    mail = newsletter_mail(client)
    for _ in range(3):  # a mail filter prefetching the link changes nothing
        assert client.get(mail.confirm).json() == {"status": "pending"}
    assert consents() == []
    clock.advance(timedelta(hours=2))
    for _ in range(2):  # idempotent: the first confirmation time is kept
        confirmed = client.post(mail.confirm)
        assert confirmed.status_code == 200
        assert confirmed.json() == {"status": "confirmed"}
        assert confirmed.headers["cache-control"] == "no-store"
        clock.advance(timedelta(minutes=5))
    assert client.get(mail.confirm).json() == {"status": "confirmed"}
    (consent,) = consents()
    assert consent["status"] == "confirmed"
    assert consent["email"] == "Mette.Hansen@example.dk"
    assert consent["consent_text_version"] == CONSENT_TEXT_VERSION
    assert consent["confirmed_at"] == (START + timedelta(hours=2)).isoformat()
    assert "expires_at" not in consent


def test_confirmation_link_expires(client: TestClient, clock: FakeClock) -> None:
    mail = newsletter_mail(client)
    clock.advance(policy.LINK_LIFETIME)
    assert client.get(mail.confirm).status_code == 410
    assert client.post(mail.confirm).status_code == 410
    assert consents() == []


def test_confirmation_token_cannot_download(client: TestClient) -> None:
    mail = newsletter_mail(client)
    for token_link in (mail.confirm, mail.withdraw):
        token = parse_qs(urlsplit(token_link).query)["token"][0]
        response = client.get(f"/ebooks/{EBOOK_ID}/download", params={"token": token})
        assert response.status_code == 403
    download_token = parse_qs(urlsplit(mail.download).query)["token"][0]
    for path in ("/newsletter/confirm", "/newsletter/withdraw"):
        assert client.post(path, params={"token": download_token}).status_code == 403


# --- erasure ----------------------------------------------------------------------------


def test_erasure_leaves_nothing_of_the_address(client: TestClient, clock: FakeClock) -> None:
    mail = newsletter_mail(client, "Mette.Hansen+nyt@Example.dk")
    assert client.post(mail.confirm).status_code == 200
    assert client.get(mail.download).status_code == 302
    assert request_book(client).status_code == 202
    assert request_book(client, "naboen@example.dk").status_code == 202
    address = "mette.hansen"
    assert any(address in json.dumps(i).lower() for i in scan_all())

    removed = erase_reader("  METTE.HANSEN@example.DK ")  # another spelling of the mailbox
    assert removed >= 9  # 2 requests, 2 links, consent + pointer, counter, 2 repeat marks
    remaining = scan_all()
    assert not any(address in json.dumps(i).lower() for i in remaining)
    assert not any(i["PK"].startswith("LINK#") for i in remaining if "naboen" not in str(i))
    assert any("naboen@example.dk" in json.dumps(i) for i in remaining)  # others untouched
    assert client.get(mail.download).status_code == 410  # outstanding links stop working
    assert client.get(mail.confirm).status_code == 410
    assert client.get(mail.withdraw).json() == {"status": "withdrawn"}  # nothing left on file


def test_erasure_command_line(
    ebook_aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.ops import erase_reader as command

    assert command.main(["--email", "ingen@example.dk"]) == 0
    assert "0 item" in capsys.readouterr().out


# --- local outbox and the Lambda path ---------------------------------------------------


def test_outbox_receives_rfc5322_mail(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    config.settings.cache_clear()
    assert request_book(client, newsletter=True).status_code == 202
    assert sent_messages() == []
    (path,) = (tmp_path / "outbox").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(parsed, EmailMessage)
    assert parsed["From"] == SENDER
    assert parsed["To"] == "Mette.Hansen@example.dk"
    assert parsed["Subject"] == f"Din e-bog: {TITLE}"
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",))
    page = parsed.get_body(("html",))
    assert text is not None and page is not None
    plain = text.get_content()
    assert "Hent e-bogen her:" in plain
    (link,) = re.findall(r"^(http\S+/download\?token=\S+)$", plain, re.MULTILINE)
    assert link in links_in(parsed)
    assert client.get(path_of(link)).status_code == 302
    (withdraw,) = re.findall(r"^(http\S+/newsletter/withdraw\?token=\S+)$", plain, re.MULTILINE)
    assert parsed["List-Unsubscribe"] == f"<{withdraw}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@dataclass
class _Context:
    function_name: str = "ApiFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-north-1:123456789012:function:ApiFunction"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def _request_event(stage: str = "$default") -> dict[str, Any]:
    """A request whose Host (and forwarded host) a hostile client chose; API Gateway's own
    `requestContext.domainName` still names the API."""
    event = request_event(
        "POST",
        f"/ebooks/{EBOOK_ID}/requests",
        headers={
            "content-type": "application/json",
            "user-agent": "Mozilla/5.0",
            "x-forwarded-for": "198.51.100.7",
            "x-forwarded-proto": "https",
        },
        body=json.dumps({"email": READER}).encode(),
        source_ip="198.51.100.7",
    )
    event["headers"] |= {"host": "evil.example", "x-forwarded-host": "evil.example"}
    event["requestContext"]["stage"] = stage
    return event


def test_lambda_handler_counts_the_api_gateway_source_ip(
    ebook_aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_API_URL", "")
    config.settings.cache_clear()
    from newsdesk.handlers import api

    response = api.handler(_request_event(), _Context())  # type: ignore[arg-type]
    assert response["statusCode"] == 202
    assert "public" not in response["headers"].get("cache-control", "")
    counters = [i for i in scan_all() if i["PK"].startswith("CLIENT#")]
    assert [c["PK"] for c in counters] == ["CLIENT#198.51.100.7"]
    # Without PUBLIC_API_URL the link points at API Gateway's domain, never at the Host.
    (link,) = links_in(sent_messages()[-1])
    assert link.startswith(
        f"https://abc123.execute-api.eu-north-1.amazonaws.com/ebooks/{EBOOK_ID}/"
    )
    assert "evil" not in sent_messages()[-1].as_string()


def test_links_name_a_named_stage_and_never_the_host(
    ebook_aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_API_URL", "")
    config.settings.cache_clear()
    from newsdesk.handlers import api

    assert api.handler(_request_event("prod"), _Context())["statusCode"] == 202  # type: ignore[arg-type]
    (link,) = links_in(sent_messages()[-1])
    assert link.startswith("https://abc123.execute-api.eu-north-1.amazonaws.com/prod/ebooks/")


def test_without_a_configured_origin_no_link_is_built_from_host(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside API Gateway with PUBLIC_API_URL empty there is no trusted origin: 503, no mail."""
    monkeypatch.setenv("PUBLIC_API_URL", "")
    config.settings.cache_clear()
    body = {"email": READER}
    response = client.post(
        f"/ebooks/{EBOOK_ID}/requests", json=body, headers={"host": "evil.example"}
    )
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert sent_messages() == []


# --- registry and OpenAPI ---------------------------------------------------------------


def test_registry_routes(client: TestClient) -> None:
    listing = client.get("/ebooks")
    assert listing.status_code == 200
    assert [e["id"] for e in listing.json()["items"]] == [EBOOK_ID]
    one = client.get(f"/ebooks/{EBOOK_ID}")
    assert one.json() == {
        "id": EBOOK_ID,
        "title": TITLE,
        "description": "Opdag de bedste butikker i Ballerup.",
        "cta_label": "Tag e-bogen",
    }
    assert "etag" in one.headers
    assert (
        client.get(
            f"/ebooks/{EBOOK_ID}", headers={"if-none-match": one.headers["etag"]}
        ).status_code
        == 304
    )


def test_openapi_documents_every_status(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    documented = {
        ("/ebooks/{ebook_id}/requests", "post"): {
            "202",
            "400",
            "404",
            "413",
            "415",
            "422",
            "429",
            "503",
        },
        ("/ebooks/{ebook_id}/download", "get"): {"302", "403", "404", "410", "422"},
        ("/newsletter/confirm", "get"): {"200", "403", "410", "422"},
        ("/newsletter/confirm", "post"): {"200", "403", "410", "422"},
        ("/newsletter/withdraw", "get"): {"200", "403", "410", "422"},
        ("/newsletter/withdraw", "post"): {"200", "403", "410", "422"},
        ("/ebooks/{ebook_id}", "get"): {"200", "304", "404"},
        ("/ebooks", "get"): {"200", "304"},
    }
    for (path, method), statuses in documented.items():
        assert statuses <= set(paths[path][method]["responses"]), (path, method)
    problem = paths["/ebooks/{ebook_id}/requests"]["post"]["responses"]["429"]
    assert "application/problem+json" in problem["content"]
    for path, method in documented:
        if path.startswith("/newsletter") or path.endswith("/download"):
            responses = paths[path][method]["responses"]
            for status in ("403", "410", "422", "503"):  # pages for people, problems for programs
                assert set(responses[status]["content"]) == {
                    "application/problem+json",
                    "text/html",
                }, (path, method, status)
            if path.startswith("/newsletter"):
                assert set(responses["200"]["content"]) == {"application/json", "text/html"}


@pytest.mark.slow
def test_whole_flow_over_http_against_a_moto_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on the local stack: real HTTP to moto, mail to the outbox, presigned URL fetched."""
    import boto3
    import httpx
    from moto.server import ThreadedMotoServer
    from newsdesk.api.app import create_app
    from newsdesk.dal import clients

    from infra.template.reading import create_table_request

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
        config.settings.cache_clear()
        clients.reset()
        secrets.reset()
        boto3.client("dynamodb").create_table(**create_table_request(settings().table_name))
        s3 = boto3.client("s3")
        bucket = settings().content_bucket
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=bucket, Key=PDF_KEY, Body=PDF_BYTES)
        boto3.client("secretsmanager").create_secret(
            Name=settings().ebook_token_secret, SecretString="h" * 48
        )
        ebook = Ebook(id=EBOOK_ID, title=TITLE, description="Opdag Ballerup.")
        item = ebook_item(ebook, source_key=f"ebooks/{EBOOK_ID}.md", pdf_key=PDF_KEY)
        dynamodb().put_item(TableName=settings().table_name, Item=to_dynamo(item))

        with TestClient(create_app(), follow_redirects=False) as client:
            assert request_book(client).status_code == 202
            (path,) = (tmp_path / "outbox").glob("*.eml")
            parsed = email.message_from_bytes(path.read_bytes(), policy=default_policy)
            assert isinstance(parsed, EmailMessage)
            text = parsed.get_body(("plain",))
            assert text is not None
            (link,) = re.findall(r"^(http\S+/download\?token=\S+)$", text.get_content(), re.M)
            redirect = client.get(path_of(link))
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert location.startswith(f"http://{host}:{port}/")
        pdf = httpx.get(location, timeout=5)
        assert pdf.status_code == 200
        assert pdf.content == PDF_BYTES
        assert pdf.headers["content-disposition"].startswith("attachment; filename=")
    finally:
        server.stop()
        clients.reset()
        secrets.reset()
