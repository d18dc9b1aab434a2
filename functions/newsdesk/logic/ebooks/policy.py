"""The numbers of the e-book flow, in one place (README, "E-book downloads")."""

from __future__ import annotations

from datetime import timedelta

# A download link works for a week and for a few clicks (mail scanners open links too).
LINK_LIFETIME = timedelta(days=7)
LINK_MAX_USES = 5
# Requests per address and per client IP, each in a window that opens at the first request.
ADDRESS_LIMIT, ADDRESS_WINDOW = 3, timedelta(hours=24)
CLIENT_LIMIT, CLIENT_WINDOW = 20, timedelta(hours=1)
# Request records (the proof of what was sent, to whom, under which consent text) are kept
# this long; a confirmed newsletter consent is kept until withdrawn or erased.
REQUEST_RETENTION = timedelta(days=30)
# A presigned S3 URL is only the hop from our 302 to the bytes: keep it short.
PRESIGNED_URL_LIFETIME = timedelta(minutes=5)
