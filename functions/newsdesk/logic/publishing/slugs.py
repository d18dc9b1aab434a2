"""Danish slug rules: what a file name or a front matter `slug` becomes in URLs."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 200
# Danish letters are transliterated as Danes write them without them, not stripped of accents.
_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lowercase, æ→ae ø→oe å→aa, other accents dropped, anything else a single dash.

    Returns "" when nothing usable is left (the caller reports that as an error).
    """
    lowered = unicodedata.normalize("NFC", text).casefold().translate(_DANISH)
    ascii_only = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_only).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-")
