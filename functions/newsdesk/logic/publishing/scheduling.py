"""Scheduling decisions: when an article is live, what a draft or a scheduled upload stages.

One predicate decides liveness: `is_live(published_at, now)`. An article that is not live
writes no article items at all (no META, no list entries, no e-book reference); its rendered
version is *staged* beside the key's source state (`newsdesk.dal.scheduling`), and a
scheduled one also claims its slug and enters the go-live index. So lists, pages, related
lists and e-book references need no check of their own: what is not live is not there.

At `live_at` EventBridge Scheduler sends the publish function `{"go_live": {key, sequencer,
version_id}}`; the pipeline then decides that same upload event again, now live, exactly as
if it had been uploaded at that moment. The schedule mirrors the stored staged state
(`sync_schedule`), so duplicates, retries and out-of-order events converge to one schedule,
and one that fires for a superseded event finds its sequencer no longer staged and does nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newsdesk.dal import keys, scheduling
from newsdesk.dal import publishing as store
from newsdesk.dal.codec import Item
from newsdesk.dal.scheduling import Staged


def is_live(published_at: datetime, now: datetime) -> bool:
    """Whether an article with this `published_at` is shown to readers at `now`."""
    return published_at <= now


def _key_of(operation: store.Operation) -> tuple[str, str]:
    """(PK, SK) of the item a transactional operation touches."""
    body: Any = next(iter(operation.values()))
    key = body.get("Key") or body["Item"]
    return key["PK"]["S"], key["SK"]["S"]


def staging_operations(
    key: str, before: Staged | None, after: Staged | None
) -> list[store.Operation]:
    """Turn the stored staged items of `key` into those of `after` (only what changes).

    The slug claim is conditional: another key's claim (a concurrent upload of the same slug)
    makes the transaction fail and the decision is taken again.
    """
    old = {(i["PK"], i["SK"]): i for i in before.items()} if before else {}
    new = {(i["PK"], i["SK"]): i for i in after.items()} if after else {}
    owner = {":key": key}
    operations = [store.delete(pk, sk) for pk, sk in old if (pk, sk) not in new]
    for (pk, sk), item in new.items():
        if old.get((pk, sk)) == item:
            continue
        if sk == scheduling.CLAIM_SK:
            operations.append(
                store.put(item, "attribute_not_exists(PK) OR source_key = :key", owner)
            )
        else:
            operations.append(store.put(item))
    return operations


def guarded(operations: list[store.Operation], key: str, pk: str, sk: str) -> list[store.Operation]:
    """`operations` plus a check that item (pk, sk) is absent or owned by `key`.

    Left out when the operations write that item anyway (a transaction may touch an item once).
    """
    if (pk, sk) in {_key_of(operation) for operation in operations}:
        return operations
    check = store.check(pk, sk, "attribute_not_exists(PK) OR source_key = :key", {":key": key})
    return [*operations, check]


def slug_owner(partition: dict[str, Item]) -> str | None:
    """The key that holds a slug: its live article's or its scheduled article's."""
    for sk in (keys.ARTICLE_SK, scheduling.CLAIM_SK):
        item = partition.get(sk)
        if item is not None:
            return str(item.get("source_key"))
    return None


def go_live_payload(staged: Staged) -> dict[str, Any]:
    """What the schedule sends: the upload event the staged version was made from."""
    return {"key": staged.key, "sequencer": staged.sequencer, "version_id": staged.version_id}


def sync_schedule(key: str, staged: Staged | None, target_arn: str) -> None:
    """Make the key's schedule match its staged state (read after the commit): at `live_at`
    if scheduled, else none."""
    if staged is not None and staged.live_at is not None:
        scheduling.put_schedule(key, staged.live_at, go_live_payload(staged), target_arn)
    else:
        scheduling.delete_schedule(key)
