"""The running system under test: a deployed stack named by API_URL and BUCKET, or else the
local stack (`python -m infra.local`) started once in a subprocess on free ports, seeded, with
a copy of template.yaml that adds one more function (a recorder), which the stack must wire up
with no change of its own. `make e2e API_URL=… BUCKET=…` runs the same suite against AWS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.serving import child_environment, interrupt
from infra.template.reading import TEMPLATE_PATH

REPO = TEMPLATE_PATH.parent
STARTUP_DEADLINE = 240.0
DEADLINE = 30.0

RECORDER = """
  RecorderFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tests.events.recorder.handler
      CodeUri: {repo}
      Environment:
        Variables:
          RECORD_DIR: {records}
      Events:
        Inbox:
          Type: S3
          Properties:
            Bucket: !Ref ContentBucket
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - {{ Name: prefix, Value: inbox/ }}
                  - {{ Name: suffix, Value: .txt }}
        Wanted:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: LATEST
            BatchSize: 2
            FilterCriteria:
              Filters:
                - Pattern: '{{"dynamodb": {{"Keys": {{"PK": {{"S": [{{"prefix": "LOCALTEST#"}}]}}}},
                    "NewImage": {{"kind": {{"S": ["wanted"]}}}}}}}}'
"""


@dataclass(frozen=True)
class Deployment:
    """What a test needs of a running stack: its API, its bucket and an S3 client for it."""

    api_url: str
    bucket: str
    s3: Any
    local: dict[str, Any] = field(default_factory=dict)  # stack.json and paths; {} on AWS

    def report(self, key: str) -> dict[str, Any] | None:
        """The report of the upload at `key`, or None while there is none."""
        try:
            raw = self.s3.get_object(Bucket=self.bucket, Key=f"reports/{key}.json")
        except self.s3.exceptions.NoSuchKey:
            return None
        report: dict[str, Any] = json.loads(raw["Body"].read())
        return report


def eventually[T](probe: Callable[[], T | None], what: str, deadline: float = DEADLINE) -> T:
    """Poll `probe` until it returns something, or fail naming `what`."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        result = probe()
        if result is not None:
            return result
        time.sleep(0.1)
    pytest.fail(f"not within {deadline:.0f} s: {what}")


def http(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", data: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request without raising on 4xx/3xx; header names lower-cased."""
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, head, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, error.headers, error.read()
    return status, {k.lower(): v for k, v in head.items()}, body


def local_client(stack: dict[str, Any], service: str) -> Any:
    """A boto3 client for the local stack's moto endpoint."""
    return boto3.client(
        service,
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # pragma: allowlist secret
    )


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The deployed stack of API_URL/BUCKET, else the local stack (stopped with SIGTERM)."""
    api_url, bucket = os.environ.get("API_URL"), os.environ.get("BUCKET")
    if api_url and bucket:
        yield Deployment(api_url.rstrip("/"), bucket, boto3.client("s3"))
        return
    with _local_stack(tmp_path_factory.mktemp("local-stack")) as info:
        yield Deployment(info["api_url"], info["content_bucket"], local_client(info, "s3"), info)


@pytest.fixture
def local(deployment: Deployment) -> dict[str, Any]:
    """The local stack's own details; tests of emulator behaviour skip against AWS."""
    if not deployment.local:
        pytest.skip("emulator behaviour: only on the local stack")
    return deployment.local


class _local_stack:
    """Start `python -m infra.local` with the recorder template; stop it like Ctrl-C does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records = root / "records"
        self.state = root / "state"
        self.log = root / "stdout.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> dict[str, Any]:
        text = TEMPLATE_PATH.read_text(encoding="utf-8")
        text = text.replace("CodeUri: functions/", f"CodeUri: {REPO / 'functions'}")
        recorder = RECORDER.format(repo=REPO, records=self.records)
        text = text.replace("\nResources:\n", "\nResources:\n" + recorder, 1)
        template = self.root / "template.yaml"
        template.write_text(text, encoding="utf-8")
        env = child_environment({k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "infra.local", "--template", str(template)),
                *("--state-dir", str(self.state), "--aws-port", "0", "--api-port", "0"),
            ],
            cwd=REPO,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        process = self.process

        def ready() -> dict[str, Any] | None:
            if process.poll() is not None:
                pytest.fail(f"the stack exited: {self.log.read_text()[-3000:]}")
            file = self.state / "stack.json"
            return json.loads(file.read_text(encoding="utf-8")) if file.exists() else None

        info = eventually(ready, "stack.json (ready signal)", STARTUP_DEADLINE)
        return info | {"records": self.records, "state": self.state, "log": self.log}

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        interrupt(self.process)
        assert self.process.returncode == 0, self.log.read_text()[-3000:]
        assert not (self.state / "stack.json").exists()  # removed on a clean stop
