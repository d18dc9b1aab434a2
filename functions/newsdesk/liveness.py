"""The one answer to "is this article live?", shared by every reader of article items.

An article is live when its META item exists and says so. Drafts are never stored (a draft
upload unpublishes), and a scheduled article (stored before its `published_at`) must carry
`status: "scheduled"` on META until it goes live: whoever stores such items changes only this
predicate, and the related teasers (candidates, pins, lists) follow, because they decide
liveness here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LIVE_STATUS = "published"


def is_live(meta: Mapping[str, Any] | None) -> bool:
    """Whether an article's META item (None: no item) is a live, readable article."""
    if meta is None:
        return False
    return str(meta.get("status", LIVE_STATUS)) == LIVE_STATUS
