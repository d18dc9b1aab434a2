"""Keeping category, tag and author counts true while articles are published and removed.

`sync_labels(slug, meta)` makes the labels an article is counted under those of `meta` (the
article's META item as the stream's new image shows it; None once it is gone). It compares
with what is stored rather than with the old image, so a duplicate, a retry or a lost record
leaves the counts exact once the article's newest record is processed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsdesk.dal import labels as store
from newsdesk.dal.labels import LabelRef
from newsdesk.labels import label_slug
from newsdesk.models import Teaser


@dataclass(frozen=True, slots=True)
class LabelChange:
    """How many counts a sync moved (logged by the handler)."""

    added: int = 0
    removed: int = 0
    renamed: int = 0


def labels_of(meta: Mapping[str, Any]) -> dict[tuple[store.Kind, str], LabelRef]:
    """Category, tags and author of a published article item, keyed by (kind, slug)."""
    teaser = Teaser.model_validate({f: meta[f] for f in Teaser.model_fields if f in meta})
    refs = [LabelRef("category", teaser.category_slug, teaser.category)]
    refs += [LabelRef("tag", label_slug(tag), tag) for tag in teaser.tags]
    author = teaser.author
    refs.append(LabelRef("author", author.slug, author.name, author.first_name, author.last_name))
    wanted: dict[tuple[store.Kind, str], LabelRef] = {}
    for ref in refs:
        if ref.slug:
            wanted.setdefault((ref.kind, ref.slug), ref)
    return wanted


def sync_labels(slug: str, meta: Mapping[str, Any] | None) -> LabelChange:
    """Count `slug` under exactly the labels of `meta` (none when it is unpublished)."""
    wanted = labels_of(meta) if meta is not None else {}
    current = store.memberships(slug)
    added = sum(store.add(slug, ref) for key, ref in sorted(wanted.items()) if key not in current)
    removed = sum(
        store.remove(slug, ref) for key, ref in sorted(current.items()) if key not in wanted
    )
    renamed = 0
    for key, ref in sorted(wanted.items()):
        if key in current and current[key].names() != ref.names():
            store.rename(slug, ref)
            renamed += 1
    return LabelChange(added, removed, renamed)
