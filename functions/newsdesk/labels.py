"""Labels (categories, tags, author names): their normal form and their URL slug.

Below every layer on purpose: publishing derives article slugs with `slugify`, the data layer
keys lists by `label_slug`, and the models carry the slugs frontends build URLs from.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_SLUG_LENGTH = 200
# Danish letters are transliterated as Danes write them without them, not stripped of accents.
_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# A label with nothing transliterable ("🌳", "中文") still needs a stable URL segment.
_OPAQUE_PREFIX = "x-"


def normalize_label(label: str) -> str:
    """NFC, case-folded, inner whitespace collapsed: the form keys and comparisons use."""
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())


def slugify(text: str) -> str:
    """Lowercase, æ→ae ø→oe å→aa, other accents dropped, anything else a single dash.

    Returns "" when nothing usable is left (the caller reports that as an error).
    """
    lowered = unicodedata.normalize("NFC", text).casefold().translate(_DANISH)
    ascii_only = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_only).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-")


def label_slug(label: str) -> str:
    """The URL slug of a category, tag or author name; never empty for a non-blank label.

    "Grønne områder" → "groenne-omraader". A label without letters or digits a URL can carry
    gets "x-" and a digest of its normal form, so it keeps a page of its own.
    """
    slug = slugify(label)
    if slug or not normalize_label(label):
        return slug
    digest = hashlib.sha256(normalize_label(label).encode()).hexdigest()[:12]
    return _OPAQUE_PREFIX + digest
