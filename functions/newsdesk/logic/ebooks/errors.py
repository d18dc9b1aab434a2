"""Why an e-book request, download or confirmation was refused (mapped to HTTP by the API)."""

from __future__ import annotations


class EbookError(Exception):
    """Base of every refusal of the e-book flow."""


class EbookNotFoundError(EbookError):
    """No published e-book (or its PDF is missing from the registry item)."""


class InvalidTokenError(EbookError):
    """A token that this service did not sign, or signed for something else."""


class ExpiredTokenError(EbookError):
    """A genuine token past its expiry time."""


class LinkUnavailableError(EbookError):
    """A genuine, unexpired link whose uses are spent, or whose reader was erased."""


class RateLimitedError(EbookError):
    """Too many requests from one address or one client; retry after `retry_after` s."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"too many requests per {scope}")
        self.scope = scope
        self.retry_after = retry_after


class DeliveryFailedError(EbookError):
    """The e-mail could not be handed to the mail service."""
