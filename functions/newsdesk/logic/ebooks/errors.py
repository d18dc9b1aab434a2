"""Why an e-book request, download or confirmation was refused (mapped to HTTP by the API)."""

from __future__ import annotations

from typing import Literal


class EbookError(Exception):
    """Base of every refusal of the e-book flow."""


class EbookNotFoundError(EbookError):
    """No published e-book (or its PDF is missing from the registry item)."""


class InvalidTokenError(EbookError):
    """A token that this service did not sign, or signed for something else."""


class ExpiredTokenError(EbookError):
    """A genuine token past its expiry time; `ebook_id` says where to ask for a new one."""

    def __init__(self, message: str, *, ebook_id: str | None = None) -> None:
        super().__init__(message)
        self.ebook_id = ebook_id


class LinkUnavailableError(EbookError):
    """A genuine, unexpired link that cannot be used: `reason` says why.

    "exhausted": its uses are spent; "missing": its request is gone (the reader was erased);
    "withdrawn": the newsletter consent it would confirm was withdrawn.
    """

    def __init__(self, reason: Literal["exhausted", "missing", "withdrawn"]) -> None:
        super().__init__(f"link unavailable: {reason}")
        self.reason = reason


class RateLimitedError(EbookError):
    """Too many requests from one client; retry after `retry_after` s."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"too many requests per {scope}")
        self.scope = scope
        self.retry_after = retry_after


class DeliveryFailedError(EbookError):
    """The e-mail could not be handed to the mail service."""


class LinkBaseMissingError(EbookError):
    """No configured origin for e-mailed links (PUBLIC_API_URL empty, not behind API Gateway)."""
