"""`make publish FILE=…`: upload one file to the running local stack and show its report.

The file goes to the content bucket exactly as an editor's S3 client would put it, so the
template's trigger publishes it; then the publisher's report (`reports/<key>.json`) is
printed, with the API URL of the result. Exit status: 0 when the upload was taken
(published, unpublished, ignored, pending: an e-book half waiting for the other), 1 when
it was not (rejected, or failed on a system error), 2 no stack or no report in time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from newsdesk.dal.publishing import report_key as report_of

from infra.local.stack import SEED_FOLDERS, content_type

STATE_FILE = Path(".local") / "stack.json"


def object_key(path: Path, key: str | None = None) -> str:
    """The bucket key for a local file: `--key`, else its articles/ or ebooks/ folder, else
    ebooks/ for a PDF and articles/ for everything else."""
    if key:
        return key
    if path.parent.name in SEED_FOLDERS:
        return f"{path.parent.name}/{path.name}"
    return f"{'ebooks' if path.suffix.lower() == '.pdf' else 'articles'}/{path.name}"


def _report_version(s3: Any, bucket: str, report_key: str) -> str | None:
    try:
        head = s3.head_object(Bucket=bucket, Key=report_key)
    except ClientError:
        return None
    return str(head.get("VersionId") or head["ETag"])


def wait_for_report(
    s3: Any, bucket: str, key: str, previous: str | None, timeout: float
) -> dict[str, Any] | None:
    """The report written after `previous` (its version before the upload), or None."""
    report_key = report_of(key)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _report_version(s3, bucket, report_key) not in (None, previous):
            body = s3.get_object(Bucket=bucket, Key=report_key)["Body"].read()
            report: dict[str, Any] = json.loads(body)
            return report
        time.sleep(0.2)
    return None


def main(argv: list[str] | None = None) -> int:
    """Upload (or delete) FILE on the local stack and print the publisher's report."""
    parser = argparse.ArgumentParser(prog="make publish FILE=…", description=__doc__)
    parser.add_argument("file", type=Path, help="article (.md/.json) or e-book (.md/.pdf)")
    parser.add_argument("--key", help="bucket key (default: articles/<name> or ebooks/<name>)")
    parser.add_argument("--delete", action="store_true", help="delete the object (unpublish)")
    parser.add_argument("--state", type=Path, default=STATE_FILE, help="the stack's stack.json")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    if not args.state.exists():
        print(
            f"ingen lokal stak: {args.state} findes ikke (start en med `make run`)", file=sys.stderr
        )
        return 2
    stack = json.loads(args.state.read_text(encoding="utf-8"))
    credentials = stack["credentials"]
    s3 = boto3.client(
        "s3",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id=credentials["aws_access_key_id"],
        aws_secret_access_key=credentials["aws_secret_access_key"],
    )
    bucket, key = stack["content_bucket"], object_key(args.file, args.key)
    previous = _report_version(s3, bucket, report_of(key))
    if args.delete:
        s3.delete_object(Bucket=bucket, Key=key)
        print(f"slettet: s3://{bucket}/{key}")
    else:
        body = args.file.read_bytes()
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type(args.file))
        print(f"uploadet: {args.file} → s3://{bucket}/{key}")
    report = wait_for_report(s3, bucket, key, previous, args.timeout)
    if report is None:
        print(
            f"ingen rapport inden for {args.timeout:.0f} s: kører den lokale stak?", file=sys.stderr
        )
        return 2
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if report.get("status") == "published" and report.get("slug"):
        folder = "ebooks" if key.startswith("ebooks/") else "articles"
        print(f"online: {stack['api_url']}/{folder}/{report['slug']}")
    return exit_status(report)


def exit_status(report: dict[str, Any]) -> int:
    """0 for an upload that was taken (scheduled and pending included), 1 for rejected or
    failed."""
    return 1 if report.get("status") in {"rejected", "failed"} else 0


if __name__ == "__main__":
    sys.exit(main())
