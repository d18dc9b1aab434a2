"""`make recompute-related`: recompute every related list (after weights or analysis change).

Resumable and idempotent: the run keeps a checkpoint in the table, so running the command
again after an interruption continues where it stopped, and running it after it finished
starts a fresh run that writes the same lists. `--restart` starts over regardless.

The target table comes from a deployed stack's outputs with `--stack newsdesk-prod` (the
SDK's own credentials and region), from the environment as for the functions (`TABLE_NAME`,
`CONTENT_BUCKET`, and the SDK's own `AWS_ENDPOINT_URL`/credentials/region), or from a running
local stack with `--local` (its `.local/stack.json`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from infra.ops.target import STATE_FILE, use_target


def main(argv: list[str] | None = None) -> int:
    """Run or resume the recompute, printing progress and the final checkpoint."""
    parser = argparse.ArgumentParser(prog="make recompute-related", description=__doc__)
    parser.add_argument("--restart", action="store_true", help="ignore an interrupted run")
    parser.add_argument("--chunk", type=int, default=200, help="articles per checkpoint")
    parser.add_argument("--local", action="store_true", help="use the running local stack")
    parser.add_argument("--stack", help="use this deployed stack (its TableName output)")
    parser.add_argument("--state", type=Path, default=STATE_FILE, help="the stack's stack.json")
    args = parser.parse_args(argv)
    if not use_target(local=args.local, stack=args.stack, state=args.state):
        return 2
    from newsdesk.logic.related.recompute import recompute  # noqa: PLC0415 - after the env

    job = recompute(
        restart=args.restart, chunk=args.chunk, progress=lambda line: print(line, flush=True)
    )
    print(json.dumps(job, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
