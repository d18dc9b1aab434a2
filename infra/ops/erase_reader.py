"""Erase every record of a reader's e-mail address (right to erasure, GDPR art. 17).

    python -m infra.ops.erase_reader --email reader@example.dk --stack newsdesk-prod
    python -m infra.ops.erase_reader --email reader@example.dk --local  # the `make run` stack
    python -m infra.ops.erase_reader --email reader@example.dk  # TABLE_NAME, CONTENT_BUCKET

`make erase EMAIL=reader@example.dk STACK=newsdesk-prod` (or `LOCAL=1`) runs it. Against AWS it
uses the SDK's own credentials and region and the stack's `TableName` output; without a stack
the `TABLE_NAME` and `CONTENT_BUCKET` variables the functions read; with `--local` it reads
`.local/stack.json`. It removes the address's requests, consent records, counters and
the download links those requests issued; outstanding links stop working at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from infra.ops.target import use_stack

STACK_FILE = Path(".local") / "stack.json"


def _use_local_stack(stack_file: Path) -> None:
    """Point the SDK and settings at the local stack (before any client exists)."""
    if not stack_file.exists():
        raise SystemExit(f"{stack_file} not found: start the local stack with `make run`.")
    stack = json.loads(stack_file.read_text(encoding="utf-8"))
    os.environ["AWS_ENDPOINT_URL"] = stack["aws_endpoint_url"]
    os.environ["TABLE_NAME"] = stack["table_name"]
    os.environ["CONTENT_BUCKET"] = stack["content_bucket"]
    if stack.get("region"):
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = stack["region"]
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, erase, and print what was removed."""
    parser = argparse.ArgumentParser(prog="python -m infra.ops.erase_reader", description=__doc__)
    parser.add_argument("--email", required=True, help="the reader's e-mail address")
    parser.add_argument("--local", action="store_true", help="erase from the local stack")
    parser.add_argument("--stack", help="erase from this deployed stack (its TableName output)")
    parser.add_argument(
        "--stack-file", type=Path, default=STACK_FILE, help="the local stack's state file"
    )
    args = parser.parse_args(argv)
    if args.local:
        _use_local_stack(args.stack_file)
    elif args.stack:
        use_stack(args.stack)

    from newsdesk import config  # noqa: PLC0415 - after the environment is final
    from newsdesk.dal import clients  # noqa: PLC0415
    from newsdesk.logic.ebooks.erasure import erase_reader  # noqa: PLC0415

    config.settings.cache_clear()
    clients.reset()
    removed = erase_reader(args.email)
    table = config.settings().table_name
    print(f"Erased {args.email!r}: {removed} item(s) removed from table {table}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
