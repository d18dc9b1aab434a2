"""Pure pieces of scheduled publishing and previews: no AWS, no moto."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from newsdesk.api.caching import PUBLIC_CACHE, public_cache_until
from newsdesk.dal.scheduling import Staged, parse_stamp, schedule_name, stamp
from newsdesk.logic.publishing.previews import (
    ExpiredPreviewError,
    InvalidPreviewError,
    PreviewClaims,
    sign,
    verify,
)
from newsdesk.logic.publishing.scheduling import is_live, staging_operations

from infra.local.scheduler import at_time

SECRET = b"s" * 48  # pragma: allowlist secret
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def _age(header: str, name: str) -> int:
    match = re.search(rf"{name}=(\d+)", header)
    return int(match.group(1)) if match else 0


@given(st.integers(min_value=-3600, max_value=3 * 3600))
def test_no_cache_lifetime_reaches_past_the_go_live(seconds: int) -> None:
    header = public_cache_until(seconds)
    longest = max(_age(header, "max-age"), _age(header, "s-maxage")) + _age(
        header, "stale-while-revalidate"
    )
    assert longest <= max(seconds, 0) or header == PUBLIC_CACHE
    if header == PUBLIC_CACHE:
        assert seconds >= 900
    assert header.startswith("public, ")


def test_cache_cap_examples() -> None:
    assert public_cache_until(None) == PUBLIC_CACHE
    assert public_cache_until(120) == "public, max-age=60, s-maxage=120"
    assert public_cache_until(500) == (
        "public, max-age=60, s-maxage=300, stale-while-revalidate=200"
    )
    assert public_cache_until(-5) == "public, max-age=0, s-maxage=0"


def test_is_live_at_and_after_published_at() -> None:
    assert is_live(NOW, NOW)
    assert is_live(NOW - timedelta(seconds=1), NOW)
    assert not is_live(NOW + timedelta(seconds=1), NOW)


def test_stamp_rounds_up_and_round_trips() -> None:
    assert stamp(NOW) == "2026-12-03T09:00:00Z"
    assert stamp(NOW + timedelta(microseconds=1)) == "2026-12-03T09:00:01Z"
    assert stamp(NOW.astimezone(ZoneInfo("Europe/Copenhagen"))) == "2026-12-03T09:00:00Z"
    assert parse_stamp(stamp(NOW)) == NOW


@given(st.text(min_size=1, max_size=300))
def test_schedule_names_are_valid_for_any_key(key: str) -> None:
    assert re.fullmatch(r"[0-9A-Za-z_.-]{1,64}", schedule_name(key))


def test_at_expression_times() -> None:
    assert at_time("at(2026-12-03T09:00:00)", "UTC") == NOW
    assert at_time("at(2026-12-03T10:00:00)", "Europe/Copenhagen") == NOW
    assert at_time("rate(5 minutes)", "UTC") is None


def _claims(**changes: object) -> PreviewClaims:
    values: dict[str, object] = {
        "k": "articles/Sommerfest i Hedegården.md",
        "v": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
        "s": "005F0E3D2A1B000001",
        "x": int((NOW + timedelta(days=7)).timestamp()),
    }
    return PreviewClaims.model_validate(values | changes)


def test_token_round_trip_and_expiry() -> None:
    token = sign(SECRET, _claims())
    assert verify(SECRET, token, now=NOW) == _claims()
    with pytest.raises(ExpiredPreviewError):
        verify(SECRET, token, now=NOW + timedelta(days=7))


@given(st.data())
def test_any_changed_character_is_invalid(data: st.DataObject) -> None:
    token = sign(SECRET, _claims())
    index = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda c: c != token[index]))
    tampered = token[:index] + replacement + token[index + 1 :]
    with pytest.raises(InvalidPreviewError):
        verify(SECRET, tampered, now=NOW)


def test_another_key_or_purpose_does_not_verify() -> None:
    token = sign(SECRET, _claims())
    with pytest.raises(InvalidPreviewError):
        verify(b"t" * 48, token, now=NOW)
    # An e-book link signed with the same bytes is still not a preview link.
    from newsdesk.logic.ebooks import tokens

    ebook = tokens.sign(
        SECRET,
        tokens.Claims(p="download", b="guide", r="0" * 32, x=int(NOW.timestamp()) + 60),
    )
    with pytest.raises(InvalidPreviewError):
        verify(SECRET, ebook, now=NOW)


def _staged(live_at: datetime | None, slug: str = "sommerfest") -> Staged:
    return Staged(
        key="articles/sommerfest.md",
        status="scheduled" if live_at else "draft",
        sequencer="01",
        version_id="v1",
        slug=slug,
        meta={"PK": f"ARTICLE#{slug}", "SK": "A#META", "slug": slug},
        live_at=live_at,
    )


def _kinds(operations: list[dict[str, object]]) -> list[tuple[str, str, str]]:
    found = []
    for operation in operations:
        (kind, body), *_ = operation.items()
        assert isinstance(body, dict)
        key = body.get("Key") or body["Item"]
        found.append((kind, key["PK"]["S"], key["SK"]["S"]))
    return sorted(found)


def test_staging_writes_only_what_changes() -> None:
    scheduled = _staged(NOW)
    assert staging_operations(scheduled.key, scheduled, scheduled) == []
    assert _kinds(staging_operations(scheduled.key, None, scheduled)) == [
        ("Put", "ARTICLE#sommerfest", "S#SCHEDULED"),
        ("Put", "GOLIVE", f"2026-12-03T09:00:00Z#{scheduled.items()[2]['SK'].split('#')[1]}"),
        ("Put", "SOURCE#articles/sommerfest.md", "S#STAGED"),
    ]
    moved = staging_operations(scheduled.key, scheduled, _staged(NOW + timedelta(hours=1)))
    assert [kind for kind, _, _ in _kinds(moved)] == ["Delete", "Put", "Put", "Put"]
    to_draft = _kinds(staging_operations(scheduled.key, scheduled, _staged(None)))
    assert [(kind, pk) for kind, pk, _ in to_draft] == [
        ("Delete", "ARTICLE#sommerfest"),
        ("Delete", "GOLIVE"),
        ("Put", "SOURCE#articles/sommerfest.md"),
    ]
