"""E-book downloads: requests, consent, signed links, limits and erasure (no HTTP, no Lambda).

The API layer calls `requests.request_ebook`, `downloads.authorize_download` and
`downloads.confirm_newsletter`; the erasure command calls `erasure.erase_reader`. Time comes
from an injected `Clock`, so expiry and rate-limit windows are testable without sleeping.
"""
