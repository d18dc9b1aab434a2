"""Label slugs: Danish transliteration, stable, URL-safe, and carried by every teaser."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from newsdesk.api.articles import SLUG_PATTERN
from newsdesk.labels import label_slug, normalize_label, slugify
from newsdesk.models import Author, Teaser

from tests.factories import make_article

DANISH = "abcdefghijklmnopqrstuvwxyzæøåéüABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅÉÜ0123456789"
danish_labels = st.text(alphabet=DANISH + " -/&,.'", min_size=1, max_size=60)
any_labels = st.text(min_size=1, max_size=60).filter(lambda t: normalize_label(t) != "")


def test_danish_letters_are_written_as_danes_write_them_without() -> None:
    assert label_slug("Grønne områder") == "groenne-omraader"
    assert label_slug("Børn & unge") == "boern-unge"
    assert label_slug("Ærø") == "aeroe"
    assert label_slug("Café") == "cafe"
    assert label_slug("  FÆLLESSKAB ") == "faellesskab"


@given(danish_labels)
def test_slugs_fit_urls_and_are_their_own_slug(label: str) -> None:
    slug = label_slug(label)
    if slug:
        assert SLUG_PATTERN.fullmatch(slug), slug
        assert label_slug(slug) == slug  # ?tag=<slug> finds the list the name finds
    else:
        assert not re.search(r"[0-9A-Za-zæøåéüÆØÅÉÜ]", label)


@given(danish_labels)
def test_spelling_variants_of_a_label_share_its_slug(label: str) -> None:
    assert label_slug(label.upper()) == label_slug(label.lower()) == label_slug(f"  {label} ")
    assert label_slug(label) == slugify(label) or not slugify(label)


@given(any_labels)
def test_every_label_gets_a_url_slug(label: str) -> None:
    slug = label_slug(label)
    assert SLUG_PATTERN.fullmatch(slug), (label, slug)
    assert label_slug(label.casefold()) == slug


@given(st.lists(danish_labels, max_size=8), danish_labels, danish_labels)
def test_teasers_carry_slugs_parallel_to_their_labels(
    tags: list[str], category: str, name: str
) -> None:
    teaser = make_article("a", tags=tags, category=category, author=Author.from_name(name)).teaser()
    assert teaser.tag_slugs == [label_slug(t) for t in tags]
    assert teaser.category_slug == label_slug(category)
    assert teaser.author.slug == label_slug(teaser.author.name)


def test_slugs_are_derived_not_trusted_and_old_copies_get_them() -> None:
    stored = make_article("a", tags=["Børn"], category="Bolig").teaser().model_dump(mode="json")
    forged = stored | {"category_slug": "evil", "tag_slugs": ["x", "y"]}
    assert Teaser.model_validate(forged).category_slug == "bolig"
    assert Teaser.model_validate(forged).tag_slugs == ["boern"]
    old = {k: v for k, v in stored.items() if k not in {"category_slug", "tag_slugs"}}
    old["author"] = {k: v for k, v in old["author"].items() if k != "slug"}
    assert Teaser.model_validate(old) == Teaser.model_validate(stored)
