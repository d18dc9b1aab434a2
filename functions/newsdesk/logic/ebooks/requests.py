"""An e-book request: validate, limit, record consent, sign links and send the e-mail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from newsdesk.clock import Clock, system_clock
from newsdesk.config import settings
from newsdesk.dal import ebook_requests as store
from newsdesk.dal.codec import Item
from newsdesk.dal.ebooks import get_ebook_item
from newsdesk.dal.mail import MailDeliveryError, send_email
from newsdesk.dal.secrets import token_secret
from newsdesk.logic.ebooks import policy, tokens
from newsdesk.logic.ebooks.compose import EbookEmail, compose
from newsdesk.logic.ebooks.consent import CONSENT_TEXT_VERSION
from newsdesk.logic.ebooks.errors import (
    DeliveryFailedError,
    EbookNotFoundError,
    LinkBaseMissingError,
    RateLimitedError,
)
from newsdesk.logic.ebooks.mailbox import (
    EMAIL_PATTERN,
    MAX_EMAIL_LENGTH,
    mailbox_key,
    normalize_email,
)
from newsdesk.observability import logger


class RequestForm(BaseModel):
    """The request body. `website` is a honeypot: hidden from people, filled by bots."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str = Field(
        min_length=3,
        max_length=MAX_EMAIL_LENGTH,
        examples=["laeser@example.dk"],
        json_schema_extra={"format": "email", "pattern": EMAIL_PATTERN},
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


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def _link(base: str, path: str, token: str) -> str:
    return f"{base}{path}?{urlencode({'token': token})}"


def request_ebook(
    form: RequestForm,
    *,
    ebook_id: str,
    client: Client,
    link_base: str | None,
    clock: Clock = system_clock,
) -> None:
    """Handle one request end to end; every quiet outcome looks like success to the caller.

    Quiet: a bot (honeypot filled), a repeat of the same request within a minute, and a
    mailbox over its limit: nothing more is stored or sent, so the answer says nothing about
    the address. Order matters: an unknown e-book costs nothing, the client's limit (429) is
    counted before anything about the address, and the record is stored before the mail is
    sent (a sent link always has a record behind it).
    """
    now: datetime = clock()
    ebook = get_ebook_item(ebook_id)
    if ebook is None or not ebook.get("pdf_key"):
        raise EbookNotFoundError(ebook_id)
    if form.is_bot:
        return
    if not link_base:
        raise LinkBaseMissingError("no PUBLIC_API_URL and no API Gateway domain")
    stamp, key = int(now.timestamp()), mailbox_key(form.email)
    by_client = store.count_request(
        "client",
        client.ip,
        now=stamp,
        window=_seconds(policy.CLIENT_WINDOW),
        limit=policy.CLIENT_LIMIT,
    )
    if by_client.retry_after is not None:
        raise RateLimitedError("client", by_client.retry_after)
    fingerprint = f"{ebook_id}#{'newsletter' if form.newsletter else 'ebook'}"
    if not store.claim_recent(key, fingerprint, now=stamp, window=_seconds(policy.REPEAT_WINDOW)):
        logger.info(
            "e-book request repeated within the repeat window", extra={"ebook_id": ebook_id}
        )
        return
    by_address = store.count_request(
        "address",
        key,
        now=stamp,
        window=_seconds(policy.ADDRESS_WINDOW),
        limit=policy.ADDRESS_LIMIT,
    )
    if by_address.retry_after is not None:
        logger.info("e-book mail withheld: mailbox over its limit", extra={"ebook_id": ebook_id})
        return
    try:
        _record_and_send(
            form,
            ebook=ebook,
            key=key,
            client=client,
            link_base=link_base,
            now=now,
            last=by_address.hits >= policy.ADDRESS_LIMIT,
        )
    except DeliveryFailedError:
        store.release_recent(key, fingerprint)
        raise


def _record_and_send(
    form: RequestForm,
    *,
    ebook: Item,
    key: str,
    client: Client,
    link_base: str,
    now: datetime,
    last: bool,
) -> None:
    ebook_id = str(ebook["id"])
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

    def signed(purpose: tokens.Purpose, expires: int) -> str:
        claims = tokens.Claims(p=purpose, b=ebook_id, r=request_id, x=expires)
        return tokens.sign(secret, claims)

    confirm_url = withdraw_url = None
    if form.newsletter:
        confirm_url = _link(link_base, "/newsletter/confirm", signed("newsletter", link_expires))
        withdraw_expires = int((now + policy.WITHDRAW_LINK_LIFETIME).timestamp())
        withdraw_url = _link(
            link_base, "/newsletter/withdraw", signed("withdraw", withdraw_expires)
        )
    message = compose(
        EbookEmail(
            sender=settings().ses_sender,
            recipient=form.email,
            ebook_title=str(ebook["title"]),
            download_url=_link(
                link_base, f"/ebooks/{quote(ebook_id)}/download", signed("download", link_expires)
            ),
            confirm_url=confirm_url,
            withdraw_url=withdraw_url,
            last_today=last,
        )
    )
    try:
        send_email(message, now=now)
    except MailDeliveryError as error:
        raise DeliveryFailedError(str(error)) from error
