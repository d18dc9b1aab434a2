"""The pieces of the e-book flow on their own: tokens, filenames, mail text, secret, counters."""

from __future__ import annotations

import re
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from newsdesk.config import settings as app_settings
from newsdesk.dal import clients, secrets
from newsdesk.dal import ebook_requests as store
from newsdesk.logic.ebooks import tokens
from newsdesk.logic.ebooks.compose import EbookEmail, compose
from newsdesk.logic.ebooks.downloads import content_disposition
from newsdesk.logic.ebooks.errors import ExpiredTokenError, InvalidTokenError

from tests.conftest import REGION

SECRET = b"s" * 48
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CLAIMS = tokens.Claims(p="download", b="ballerup-shopping", r="0" * 32, x=int(NOW.timestamp()) + 60)
TOKEN = tokens.sign(SECRET, CLAIMS)
TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_."


def verify(token: str, *, now: datetime = NOW, secret: bytes = SECRET) -> tokens.Claims:
    return tokens.verify(secret, token, purpose="download", ebook_id="ballerup-shopping", now=now)


def test_genuine_token_verifies_until_expiry() -> None:
    assert verify(TOKEN) == CLAIMS
    with pytest.raises(ExpiredTokenError):
        verify(TOKEN, now=NOW + timedelta(seconds=60))


def test_other_secret_purpose_or_ebook_is_invalid() -> None:
    with pytest.raises(InvalidTokenError):
        verify(TOKEN, secret=b"t" * 48)
    with pytest.raises(InvalidTokenError):
        tokens.verify(SECRET, TOKEN, purpose="newsletter", ebook_id=None, now=NOW)
    with pytest.raises(InvalidTokenError):
        tokens.verify(SECRET, TOKEN, purpose="download", ebook_id="andet", now=NOW)


def test_forged_expired_token_is_invalid_not_expired() -> None:
    forged = tokens.sign(b"x" * 48, CLAIMS.model_copy(update={"x": 0}))
    with pytest.raises(InvalidTokenError):
        verify(forged)


@given(position=st.integers(min_value=0), replacement=st.sampled_from(TOKEN_ALPHABET))
def test_any_single_character_change_is_refused(position: int, replacement: str) -> None:
    index = position % len(TOKEN)
    mutated = TOKEN[:index] + replacement + TOKEN[index + 1 :]
    if mutated == TOKEN:
        assert verify(mutated) == CLAIMS
        return
    with pytest.raises(InvalidTokenError):
        verify(mutated)


@given(st.text(max_size=600) | st.text(alphabet=TOKEN_ALPHABET, max_size=300))
def test_arbitrary_text_is_only_ever_invalid(token: str) -> None:
    with pytest.raises(InvalidTokenError):
        verify(token)


@given(st.text(max_size=300))
def test_content_disposition_is_always_safe(title: str) -> None:
    header = content_disposition(title, "ballerup-shopping")
    header.encode("ascii")  # a header value every server and browser accepts
    match = re.fullmatch(
        r"attachment; filename=\"([A-Za-z0-9._-]+)\"; filename\*=UTF-8''(\S+)", header
    )
    assert match is not None
    assert match.group(1).endswith(".pdf")
    assert not match.group(1).startswith(".")
    assert unquote(match.group(2)).endswith(".pdf")
    assert "/" not in match.group(1)


def test_content_disposition_transliterates_danish() -> None:
    header = content_disposition("Årets bedste æbler & østers", "x")
    assert 'filename="Aarets-bedste-aebler-oesters.pdf"' in header
    assert unquote(header.split("UTF-8''")[1]) == "Årets bedste æbler & østers.pdf"


def test_mail_escapes_html_and_has_both_bodies() -> None:
    message = compose(
        EbookEmail(
            sender="nyhedsbrev@example.com",
            recipient="a@example.dk",
            ebook_title='<script>alert("x")</script>\nNy linje',
            download_url="https://api.example.dk/ebooks/x/download?token=a.b",
            confirm_url=None,
        )
    )
    assert "<script>" not in message.html
    assert "&lt;script&gt;" in message.html
    assert "\n" not in message.subject
    assert "https://api.example.dk/ebooks/x/download?token=a.b" in message.text
    assert "nyhedsbrev" not in message.text.lower()  # no newsletter wish, no newsletter text
    assert message.html.startswith("<!DOCTYPE html>")
    assert 'lang="da"' in message.html
    assert message.headers == ()  # nothing to withdraw: no List-Unsubscribe


def test_mail_with_newsletter_wish_carries_withdrawal_and_one_click_headers() -> None:
    withdraw = "https://api.example.dk/newsletter/withdraw?token=w.x"
    message = compose(
        EbookEmail(
            sender="nyhedsbrev@example.com",
            recipient="a@example.dk",
            ebook_title="Guide",
            download_url="https://api.example.dk/ebooks/x/download?token=a.b",
            confirm_url="https://api.example.dk/newsletter/confirm?token=c.d",
            withdraw_url=withdraw,
        )
    )
    assert withdraw in message.text
    assert f'href="{withdraw}"' in message.html
    assert dict(message.headers) == {
        "List-Unsubscribe": f"<{withdraw}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@pytest.fixture
def secretsmanager(aws: dict[str, Any]) -> Any:
    secrets.reset()
    yield boto3.client("secretsmanager", region_name=REGION)
    secrets.reset()


def test_secret_is_read_once_and_cached(secretsmanager: Any) -> None:
    secretsmanager.put_secret_value(
        SecretId=app_settings().ebook_token_secret, SecretString="v" * 40
    )
    calls: list[str] = []
    clients.secretsmanager().meta.events.register(
        "before-call.secrets-manager.GetSecretValue", lambda **_: calls.append("get")
    )
    assert secrets.token_secret() == b"v" * 40
    assert secrets.token_secret() == b"v" * 40
    assert calls == ["get"]


def test_a_rotated_secret_is_read_once_the_cache_expires(secretsmanager: Any) -> None:
    name = app_settings().ebook_token_secret
    first = secrets.token_secret()
    secretsmanager.put_secret_value(SecretId=name, SecretString="r" * 48)
    assert secrets.token_secret() == first  # cached for SECRET_MAX_AGE
    secrets.reset()  # what the cache's expiry does
    assert secrets.token_secret() == b"r" * 48
    versions = secretsmanager.list_secret_version_ids(SecretId=name)["Versions"]
    assert len(versions) == 2  # the reads wrote nothing


def test_missing_secret_is_an_error_not_a_creation(secretsmanager: Any) -> None:
    name = app_settings().ebook_token_secret
    secretsmanager.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    with pytest.raises(GetParameterError):
        secrets.token_secret()
    assert secretsmanager.list_secrets()["SecretList"] == []


def test_short_secret_is_refused(secretsmanager: Any) -> None:
    secretsmanager.put_secret_value(SecretId=app_settings().ebook_token_secret, SecretString="kort")
    with pytest.raises(secrets.SecretMisconfiguredError):
        secrets.token_secret()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offsets=st.lists(st.integers(min_value=0, max_value=7200), min_size=1, max_size=12))
def test_counter_matches_a_window_model(aws: dict[str, Any], offsets: list[int]) -> None:
    """Any sequence of request times: admitted, refused and Retry-After exactly as modelled.

    Model: a window opens at the first request after the previous one closed and admits
    `limit` requests; a refusal waits until the window closes.
    """
    subject = uuid.uuid4().hex  # examples share one table: never share a counter
    start, window, limit = 1_800_000_000, 3600, 3
    window_start: int | None = None
    count = 0
    for offset in sorted(offsets):
        now = start + offset
        counted = store.count_request("client", subject, now=now, window=window, limit=limit)
        if window_start is None or now >= window_start + window:
            window_start, count = now, 0
        if count < limit:
            assert counted.retry_after is None
            count += 1
        else:
            assert counted.retry_after == window_start + window - now
        assert counted.hits == count


def test_template_wires_the_ebook_flow_least_privilege() -> None:
    """The deployed function gets exactly the settings and permissions the flow uses."""
    from infra.template.reading import function_environment, load_template, ttl_attribute

    template = load_template()
    env = function_environment("ApiFunction", template)
    assert {"SES_SENDER", "EBOOK_TOKEN_SECRET", "PUBLIC_API_URL", "EBOOK_PAGE_URL"} <= set(env)
    assert "OUTBOX_DIR" not in env  # only the local stack writes mail to files
    assert ttl_attribute(template) == "expires_at"  # what every counter and record carries
    assert template["Parameters"]["PublicApiUrl"]["Default"] == ""
    policies = template["Resources"]["ApiFunction"]["Properties"]["Policies"]
    statements = {
        s["Sid"]: s for p in policies if isinstance(p, dict) for s in p.get("Statement", [])
    }
    writes = statements["WriteEbookRequestRecords"]
    # DeleteItem: withdrawing consent deletes it (and a failed mail releases its repeat mark).
    assert sorted(writes["Action"]) == [
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    leading = writes["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert sorted(leading) == sorted(
        [f"{store.READER_PREFIX}*", f"{store.CLIENT_PREFIX}*", f"{store.LINK_PREFIX}*"]
    )
    pdfs = statements["PresignEbookPdfs"]
    assert pdfs["Action"] == ["s3:GetObject"]
    assert pdfs["Resource"].value.endswith("/ebooks/*")
    mail = statements["SendEbookMail"]
    assert mail["Action"] == ["ses:SendEmail"]
    assert mail["Resource"].value.endswith(":identity/${SesSenderAddress}")
    secret = statements["ReadSecrets"]
    assert secret["Action"] == ["secretsmanager:GetSecretValue"]
    assert env["EBOOK_TOKEN_SECRET"] in secret["Resource"]
    all_actions = [a for s in statements.values() for a in s["Action"]]
    assert not any(a.endswith("*") for a in all_actions)
