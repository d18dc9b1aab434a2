"""The newsletter consent text the request form shows, and its version.

Every request record stores `CONSENT_TEXT_VERSION`; when the wording changes, the version
changes with it, so each consent can be matched to exactly the text the reader saw.
"""

from __future__ import annotations

CONSENT_TEXT_VERSION = "2026-11-nyhedsbrev-v1"
NEWSLETTER_CONSENT_TEXT = (
    "Ja tak, send mig også magasinets nyhedsbrev med lokale nyheder fra Ballerup. "
    "Jeg bekræfter tilmeldingen via et link i e-mailen og kan altid framelde mig igen."
)
