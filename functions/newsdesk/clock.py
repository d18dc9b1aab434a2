"""The injectable notion of "now": publishing, e-book tokens, limits and records all take one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

type Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware UTC."""
    return datetime.now(UTC)
