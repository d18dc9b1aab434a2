"""Which paths a change makes stale, and the viewer address behind the CDN: pure functions."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st
from newsdesk.api.client_ip import viewer_ip
from newsdesk.dal import ebooks, keys
from newsdesk.logic import freshness

LISTS = set(freshness.ARTICLE_LISTS)


def put(pk: str, sk: str) -> dict[str, object]:
    return {"Put": {"TableName": "t", "Item": {"PK": {"S": pk}, "SK": {"S": sk}}}}


def delete(pk: str, sk: str) -> dict[str, object]:
    return {"Delete": {"TableName": "t", "Key": {"PK": {"S": pk}, "SK": {"S": sk}}}}


def check(pk: str, sk: str) -> dict[str, object]:
    return {"ConditionCheck": {"TableName": "t", "Key": {"PK": {"S": pk}, "SK": {"S": sk}}}}


def test_article_meta_and_tag_writes_make_the_page_and_the_lists_stale() -> None:
    pk = keys.article_pk("ny-legeplads")
    assert freshness.stale_paths(pk, keys.ARTICLE_SK) == {"/articles/ny-legeplads", *LISTS}
    assert freshness.stale_paths(pk, keys.tag_sk("Børn")) == {"/articles/ny-legeplads", *LISTS}


def test_page_items_make_only_the_page_stale_and_internal_items_nothing() -> None:
    pk = keys.article_pk("ny-legeplads")
    assert freshness.stale_paths(pk, keys.ARTICLE_EBOOK_SK) == {"/articles/ny-legeplads"}
    assert freshness.stale_paths(pk, keys.RELATED_SK) == {"/articles/ny-legeplads"}
    assert freshness.stale_paths(pk, "R#PROFILE") == set()
    assert freshness.stale_paths("SOURCE#articles/x.md", "S#STATE") == set()
    assert freshness.stale_paths(ebooks.ebook_pk("bog"), ebooks.ref_sk("x")) == set()


def test_ebook_registry_writes_make_the_ebook_and_its_list_stale() -> None:
    assert freshness.stale_paths(ebooks.ebook_pk("ballerup"), ebooks.EBOOK_SK) == {
        "/ebooks",
        "/ebooks/ballerup",
    }


def test_writes_are_collected_once_per_block_and_checks_are_not_writes() -> None:
    with freshness.collect() as stale:
        freshness.written([check(keys.article_pk("a"), keys.ARTICLE_SK)])
        assert stale == set()
        freshness.written([put(keys.article_pk("a"), keys.ARTICLE_SK)])
        freshness.written([delete(keys.article_pk("a"), keys.tag_sk("x"))])
        freshness.teasers_changed("b")
    assert stale == {"/articles/a", "/articles/b", *LISTS}
    freshness.teasers_changed("c")  # outside a block: nobody collects, nothing breaks
    assert "/articles/c" not in stale


def test_paths_are_url_encoded_as_readers_request_them() -> None:
    assert freshness.article_page("æble grød") == "/articles/%C3%A6ble%20gr%C3%B8d"


@given(st.ip_addresses(), st.integers(min_value=0, max_value=65535))
def test_viewer_address_header_yields_the_ip(address: object, port: int) -> None:
    ip = ipaddress.ip_address(str(address))
    assert viewer_ip(f"{ip}:{port}") == str(ip)


@given(st.text(max_size=40))
def test_garbage_viewer_addresses_are_refused_not_trusted(header: str) -> None:
    parsed = viewer_ip(header)
    assert parsed is None or ipaddress.ip_address(parsed)
