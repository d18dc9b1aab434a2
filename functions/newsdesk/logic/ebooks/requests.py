"""An e-book request: validate, limit, record consent, sign links and send the e-mail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from newsdesk.clock import Clock, system_clock
from newsdesk.config import settings
from newsdesk.dal import ebook_requests as store
from newsdesk.dal.ebooks import get_ebook_item
from newsdesk.dal.mail import MailDeliveryError, send_email
from newsdesk.dal.secrets import token_secret
from newsdesk.logic.ebooks import policy, tokens
from newsdesk.logic.ebooks.compose import EbookEmail, compose
from newsdesk.logic.ebooks.consent import CONSENT_TEXT_VERSION
from newsdesk.logic.ebooks.errors import (
    DeliveryFailedError,
    EbookNotFoundError,
    RateLimitedError,
)

# RFC 5321's path limit; anything longer is not an address a mail server accepts.
MAX_EMAIL_LENGTH = 254


def normalize_email(raw: str) -> str:
    """The deliverable ASCII form of an address (IDN domains in punycode), or ValueError.

    Syntax only, no DNS: `check_deliverability=False`. Non-ASCII local parts are refused
    because SES cannot send to them.
    """
    try:
        valid = validate_email(raw.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error
    return valid.ascii_email or valid.normalized


def email_key(email: str) -> str:
    """The form an address is counted, stored and erased under: case does not matter.

    `RequestForm.email` is already normalised, so its key is simply `.lower()` of it.
    """
    return normalize_email(email).lower()


class RequestForm(BaseModel):
    """The request body. `website` is a honeypot: hidden from people, filled by bots."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str = Field(
        min_length=3,
        max_length=MAX_EMAIL_LENGTH,
        examples=["laeser@example.dk"],
        json_schema_extra={"format": "email"},
    )
    newsletter: StrictBool = False
    website: str = Field(default="", max_length=200, description="Leave empty (bot trap).")

    @field_validator("email")
    @classmethod
    def _valid_address(cls, value: str) -> str:
        return normalize_email(value)

    @property
    def is_bot(self) -> bool:
        """True when the honeypot was filled in."""
        return bool(self.website.strip())


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request came from: recorded as part of the consent evidence."""

    ip: str
    user_agent: str | None
    source: str


def _limit(
    scope: store.CounterScope, subject: str, limit: int, window: timedelta, now: int
) -> None:
    wait = store.count_request(
        scope, subject, now=now, window=int(window.total_seconds()), limit=limit
    )
    if wait is not None:
        raise RateLimitedError(scope, wait)


def _link(base: str, path: str, token: str) -> str:
    return f"{base}{path}?{urlencode({'token': token})}"


def request_ebook(
    form: RequestForm,
    *,
    ebook_id: str,
    client: Client,
    link_base: str,
    clock: Clock = system_clock,
) -> None:
    """Handle one request end to end; returns quietly for bots (nothing stored or sent).

    Order matters: an unknown e-book costs nothing, the client's limit is counted before the
    address's (so one client cannot exhaust strangers' allowances for free), and the record
    is stored before the mail is sent (a sent link always has a record behind it).
    """
    now: datetime = clock()
    ebook = get_ebook_item(ebook_id)
    if ebook is None or not ebook.get("pdf_key"):
        raise EbookNotFoundError(ebook_id)
    if form.is_bot:
        return
    stamp, key = int(now.timestamp()), form.email.lower()
    _limit("client", client.ip, policy.CLIENT_LIMIT, policy.CLIENT_WINDOW, stamp)
    _limit("address", key, policy.ADDRESS_LIMIT, policy.ADDRESS_WINDOW, stamp)
    request_id = secrets.token_hex(16)
    link_expires = int((now + policy.LINK_LIFETIME).timestamp())
    store.save_request(
        store.RequestRecord(
            request_id=request_id,
            email=form.email,
            email_key=key,
            ebook_id=ebook_id,
            newsletter=form.newsletter,
            consent_text_version=CONSENT_TEXT_VERSION,
            requested_at=now,
            source=client.source,
            client_ip=client.ip,
            user_agent=client.user_agent,
            expires_at=int((now + policy.REQUEST_RETENTION).timestamp()),
        ),
        max_uses=policy.LINK_MAX_USES,
        link_expires_at=link_expires,
    )
    secret = token_secret()
    download = tokens.sign(
        secret, tokens.Claims(p="download", b=ebook_id, r=request_id, x=link_expires)
    )
    confirm = (
        tokens.sign(secret, tokens.Claims(p="newsletter", b=ebook_id, r=request_id, x=link_expires))
        if form.newsletter
        else None
    )
    message = compose(
        EbookEmail(
            sender=settings().ses_sender,
            recipient=form.email,
            ebook_title=str(ebook["title"]),
            download_url=_link(link_base, f"/ebooks/{quote(ebook_id)}/download", download),
            confirm_url=_link(link_base, "/newsletter/confirm", confirm) if confirm else None,
        )
    )
    try:
        send_email(message, now=now)
    except MailDeliveryError as error:
        raise DeliveryFailedError(str(error)) from error
