"""`make recount-labels`: set every category, tag and author count right from the articles.

What the labels function does per stream record, for every article at once: the remedy for
a batch in `LabelsDeadLetterQueue` (its record names only stream positions, not articles)
and for counts that look wrong. Idempotent: a second run moves nothing.

The target table comes from a deployed stack's outputs with `--stack newsdesk-prod` (the
SDK's own credentials and region), from the environment as for the functions (`TABLE_NAME`,
`CONTENT_BUCKET`), or from a running local stack with `--local`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.ops.target import STATE_FILE, use_target


def main(argv: list[str] | None = None) -> int:
    """Recount and print how many counts moved."""
    parser = argparse.ArgumentParser(prog="make recount-labels", description=__doc__)
    parser.add_argument("--stack", help="use this deployed stack (its TableName output)")
    parser.add_argument("--local", action="store_true", help="use the running local stack")
    parser.add_argument("--state", type=Path, default=STATE_FILE, help="the stack's stack.json")
    args = parser.parse_args(argv)
    if not use_target(local=args.local, stack=args.stack, state=args.state):
        return 2
    from newsdesk.logic.labels import recount_all  # noqa: PLC0415 - after the environment

    change = recount_all()
    print(
        f"Label counts recounted: {change.added} added, {change.removed} removed, "
        f"{change.renamed} renamed."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
