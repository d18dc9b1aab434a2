"""Point an operator command at a deployed stack by its name (`--stack newsdesk-prod`), or at
the running local stack (`--local`, its `.local/stack.json`).

The functions find their table and bucket in the environment the template gives them; an
operator has the stack's name. This reads the stack's `TableName` and `ContentBucketName`
outputs with the SDK's own credentials and region and sets the same variables, so the
commands need nothing copied by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

STATE_FILE = Path(".local") / "stack.json"

# Stack output -> the environment variable the functions' settings read it from.
OUTPUTS = {"TableName": "TABLE_NAME", "ContentBucketName": "CONTENT_BUCKET"}


def use_stack(stack_name: str) -> None:
    """Set TABLE_NAME and CONTENT_BUCKET from `stack_name`'s outputs (before any client)."""
    import boto3  # noqa: PLC0415 - only the commands that target a stack need it
    from botocore.exceptions import ClientError  # noqa: PLC0415

    try:
        stacks = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        raise SystemExit(f"stack {stack_name!r}: {error}") from None
    values = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = sorted(set(OUTPUTS) - set(values))
    if missing:
        raise SystemExit(f"stack {stack_name!r} has no output {', '.join(missing)}")
    for output, variable in OUTPUTS.items():
        os.environ[variable] = values[output]


def use_local_stack(state: Path) -> bool:
    """Point the SDK and the settings at the local stack described by `state`; False (after
    saying so) when no stack has written it."""
    if not state.exists():
        print(f"no local stack: {state} is missing (start one with `make run`)")
        return False
    stack = json.loads(state.read_text(encoding="utf-8"))
    credentials = stack.get("credentials", {})
    os.environ.update(
        {
            "TABLE_NAME": stack["table_name"],
            "CONTENT_BUCKET": stack["content_bucket"],
            "AWS_ENDPOINT_URL": stack["aws_endpoint_url"],
            "AWS_DEFAULT_REGION": stack.get("region", "eu-north-1"),
            "AWS_ACCESS_KEY_ID": credentials.get("aws_access_key_id", "local"),
            "AWS_SECRET_ACCESS_KEY": credentials.get("aws_secret_access_key", "local"),
        }
    )
    return True


def use_target(*, local: bool, stack: str | None, state: Path) -> bool:
    """The local stack, a deployed stack, or else the environment as the functions read it;
    False when `local` and no local stack runs."""
    if local:
        return use_local_stack(state)
    if stack:
        use_stack(stack)
    return True
