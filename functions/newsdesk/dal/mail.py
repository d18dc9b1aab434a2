"""Outgoing e-mail: SES v2 `SendEmail` in AWS, `.eml` files in the local stack's outbox.

One MIME message is built for both: SES gets it as raw content (the only way to send headers
such as `List-Unsubscribe` that every SES API accepts); when `OUTBOX_DIR` is set nothing is
sent and the same bytes become an RFC 5322 file a developer can open in any mail client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from newsdesk.config import settings
from newsdesk.dal.clients import sesv2

# Header lines up to RFC 5322's limit: a URL header (List-Unsubscribe) must not be folded
# into encoded words, which mail clients would not read as a URL. (SES and mail programs
# take LF line ends as the AWS examples send them; the outbox files stay readable.)
MIME_POLICY = default.clone(max_line_length=998)


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """One message to one recipient, with a plain-text and an HTML body."""

    sender: str
    recipient: str
    subject: str
    text: str
    html: str
    headers: tuple[tuple[str, str], ...] = ()


class MailDeliveryError(RuntimeError):
    """SES refused or could not take the message; nothing was sent."""


def send_email(message: OutgoingEmail, *, now: datetime | None = None) -> str:
    """Send (or write to the outbox) and return the message id."""
    moment = now or datetime.now(UTC)
    outbox = settings().outbox_dir
    if outbox:
        return _write_eml(Path(outbox), message, moment)
    try:
        response = sesv2().send_email(
            FromEmailAddress=message.sender,
            Destination={"ToAddresses": [message.recipient]},
            Content={"Raw": {"Data": to_rfc5322(message, moment).as_bytes()}},
        )
    except (ClientError, BotoCoreError) as error:
        raise MailDeliveryError(str(error)) from error
    return response["MessageId"]


def to_rfc5322(message: OutgoingEmail, now: datetime) -> EmailMessage:
    """The MIME message (multipart/alternative: text first, HTML preferred)."""
    mime = EmailMessage(policy=MIME_POLICY)
    mime["From"] = message.sender
    mime["To"] = message.recipient
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(now.astimezone(UTC))
    mime["Message-ID"] = make_msgid(domain=message.sender.rpartition("@")[2] or None)
    for name, value in message.headers:
        mime[name] = value
    mime.set_content(message.text, charset="utf-8")
    mime.add_alternative(message.html, subtype="html", charset="utf-8")
    return mime


def _write_eml(outbox: Path, message: OutgoingEmail, now: datetime) -> str:
    """Write the message as `<UTC time>-<id>.eml`; names sort in sending order."""
    outbox.mkdir(parents=True, exist_ok=True)
    message_id = uuid.uuid4().hex
    path = outbox / f"{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{message_id}.eml"
    path.write_bytes(to_rfc5322(message, now).as_bytes())
    return message_id
