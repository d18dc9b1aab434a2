"""Keeping category, tag and author counts true while articles are published and removed.

`sync_labels(slug)` makes the labels an article is counted under those of its META item as it
is *now* (read consistently; none once it is gone or not live), whatever stream record prompted
it. A record's images are only a trigger: a duplicate, a retry, a late INSERT after a MODIFY or a
REMOVE replayed before its INSERT all leave the counts of the article as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsdesk.dal import labels as store
from newsdesk.dal.labels import LabelRef
from newsdesk.labels import label_slug
from newsdesk.liveness import is_live
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


def sync_labels(slug: str) -> LabelChange:
    """Count `slug` under exactly the labels of its current META (none when it is not live)."""
    meta = store.article_meta(slug)
    wanted = labels_of(meta) if is_live(meta) and meta is not None else {}
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


def recount_all() -> LabelChange:
    """Sync every article that has a META or is counted somewhere; the counts moved in all.

    The remedy for a stream batch the labels function gave up on: its dead-letter record
    names only stream positions, and a re-upload of an unchanged file writes no record.
    """
    changes = [sync_labels(slug) for slug in sorted(store.counted_article_slugs())]
    return LabelChange(
        sum(c.added for c in changes),
        sum(c.removed for c in changes),
        sum(c.renamed for c in changes),
    )
