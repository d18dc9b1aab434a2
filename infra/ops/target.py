"""Point an operator command at a deployed stack by its name (`--stack newsdesk-prod`).

The functions find their table and bucket in the environment the template gives them; an
operator has the stack's name. This reads the stack's `TableName` and `ContentBucketName`
outputs with the SDK's own credentials and region and sets the same variables, so the
commands need nothing copied by hand.
"""

from __future__ import annotations

import os

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
