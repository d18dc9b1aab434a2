"""The numbers of the e-book flow, in one place (docs/api.md, "E-books and the newsletter")."""

from __future__ import annotations

from datetime import timedelta

# A download link works for a week and for a few clicks (mail scanners open links too).
LINK_LIFETIME = timedelta(days=7)
LINK_MAX_USES = 5
# Withdrawing consent must stay as easy as giving it: the link in the mail keeps working for
# as long as any consent given through it may still be on file.
WITHDRAW_LINK_LIFETIME = timedelta(days=3650)
# Mails per mailbox and requests per client IP, each in a window that opens at the first
# request. Over the mailbox's limit a request is answered as usual but no mail is sent (a
# 429 would tell anyone that the address asked recently); over the client's it is a 429.
ADDRESS_LIMIT, ADDRESS_WINDOW = 3, timedelta(hours=24)
CLIENT_LIMIT, CLIENT_WINDOW = 20, timedelta(hours=1)
# An identical request (same mailbox, e-book and newsletter wish) this soon after the last
# one is a double click or a retry: it sends no second mail.
REPEAT_WINDOW = timedelta(seconds=60)
# Request records (the proof of what was sent, to whom, under which consent text) are kept
# this long; a confirmed newsletter consent is kept until withdrawn or erased.
REQUEST_RETENTION = timedelta(days=30)
# A presigned S3 URL is only the hop from our 302 to the bytes: keep it short.
PRESIGNED_URL_LIFETIME = timedelta(minutes=5)
