"""The local stack: moto's server, the template's resources and triggers, and the HTTP API.

Everything is derived from template.yaml: tables, buckets and queues are created as it
declares them, each function's environment is resolved from it, and its S3, DynamoDB, SQS and
HttpApi events decide what feeds which handler; the template's schedule groups get their
one-time schedules fired (`infra.local.scheduler`). Adding a function or a trigger to the
template needs no change here.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import mimetypes
import os
import secrets
import string
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.models import FakeDeleteMarker, s3_backends
from newsdesk.dal.publishing import report_key
from werkzeug.serving import BaseWSGIServer, make_server

from infra.local import motopatch, snapshot, transport
from infra.local.functions import AsyncInvoker, FunctionSpec, LocalFunction, function_specs
from infra.local.httpapi import Cors, HttpApiServer
from infra.local.intrinsics import ACCOUNT_ID, Resolver
from infra.local.outbox import OutboxWatcher
from infra.local.queues import QueuePoller
from infra.local.s3events import BucketWatcher, Sequencer
from infra.local.scheduler import LocalScheduler, create_groups
from infra.local.serving import BackgroundServer
from infra.local.streams import MotoStreamSource, StreamPoller, StreamRetention
from infra.template.reading import TEMPLATE_PATH, load_template, resources, table_create_request

log = logging.getLogger("local.stack")

REPO_ROOT = TEMPLATE_PATH.parent
CONTENT_DIR = REPO_ROOT / "content"
# Only these folders of the sample content mirror the bucket; README etc. stay local.
SEED_FOLDERS = ("ebooks", "articles")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_CONTENT_TYPES = {".md": "text/markdown; charset=utf-8", ".json": "application/json"}
# Resource types the local stack creates or runs; every other type is listed as not emulated.
EMULATED = frozenset(
    {
        "AWS::Serverless::Function",
        "AWS::Serverless::HttpApi",
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::SQS::Queue",
        "AWS::SecretsManager::Secret",
        "AWS::Scheduler::ScheduleGroup",
    }
)
# How long stopping may wait for work in hand before leaving it (one Ctrl-C ends it all).
STOP_GRACE = 1.0
# While the stack runs, the snapshot is saved this often if anything changed since the last
# save: a crash, kill -9 or power cut loses at most this much work (seconds).
AUTOSAVE_INTERVAL = 120.0


@dataclass
class StackConfig:
    """What `python -m infra.local` can change; defaults match `make run`."""

    host: str = "127.0.0.1"
    aws_port: int = 5050
    api_port: int = 3000
    region: str = "eu-north-1"
    stack_name: str = "newsdesk"
    template_path: Path = TEMPLATE_PATH
    state_dir: Path = Path(".local")
    seed_dir: Path | None = CONTENT_DIR
    parameters: dict[str, str] = field(default_factory=dict)
    poll_interval: float = 0.3
    seed_timeout: float = 300.0
    fresh: bool = False
    autosave_interval: float = AUTOSAVE_INTERVAL


def seed_files(seed_dir: Path) -> list[tuple[str, Path]]:
    """(key, file) for the sample content: e-books first (PDFs before their .md), then articles."""
    files = [
        (path.relative_to(seed_dir).as_posix(), path)
        for folder in SEED_FOLDERS
        for path in sorted((seed_dir / folder).rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
    order = {folder: index for index, folder in enumerate(SEED_FOLDERS)}
    return sorted(files, key=lambda kf: (order[kf[0].split("/")[0]], kf[1].suffix != ".pdf", kf[0]))


def content_type(path: Path) -> str:
    """The Content-Type an editor's S3 client would send for this file."""
    return (
        _CONTENT_TYPES.get(path.suffix)
        or mimetypes.guess_type(path.name)[0]
        or "binary/octet-stream"
    )


# Resource types the local stack does not emulate: their `!Ref` resolves to "" (for the
# distribution id that means "no CDN, nothing to invalidate") and the banner lists them.
NOT_EMULATED_PREFIXES = ("AWS::CloudFront::",)


def generated_secret(spec: dict[str, Any]) -> str:
    """A random value shaped like a `GenerateSecretString` (length; letters and digits)."""
    length = int(spec.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


class MotoServer(BackgroundServer):
    """moto's server with its backends behind one lock.

    moto's in-memory backends are not thread-safe (a DynamoDB transaction deep-copies the
    table while another request writes it), so requests are served concurrently but
    handled one at a time, as AWS's own serialisation per item would guarantee anyway.
    """

    def __init__(self, host: str, port: int) -> None:
        motopatch.install()
        app = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.RLock()

        def serialised(environ: dict[str, Any], start_response: Any) -> Any:
            with self.lock:
                return list(app(environ, start_response))

        try:
            self.server: BaseWSGIServer = make_server(
                host, port, serialised, threaded=True, request_handler=MotoRequestHandler
            )
        except SystemExit as exit_:  # werkzeug prints a hint and exits when it cannot bind
            raise OSError(errno.EADDRINUSE, f"moto's port {port} is in use") from exit_
        self._thread = threading.Thread(target=self.server.serve_forever, name="moto", daemon=True)
        self.app = serialised

    def start(self) -> None:
        """Serve over HTTP, and in-process to this process's own DynamoDB calls."""
        super().start()
        transport.register(self.url, self.app)

    def stop(self) -> None:
        """Stop both ways of serving."""
        transport.unregister(self.url)
        super().stop()

    def list_versions(
        self, bucket: str, prefix: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """ListObjectVersions' entries (all pages) read from moto's store, copying nothing."""
        versions: list[dict[str, Any]] = []
        markers: list[dict[str, Any]] = []
        with self.lock:
            store = s3_backends[ACCOUNT_ID]["aws"].get_bucket(bucket).keys
            for name, history in store.iterlists():
                if not name.startswith(prefix):
                    continue
                for position, key in enumerate(history):
                    entry = {
                        "Key": name,
                        "VersionId": str(key.version_id),
                        "LastModified": key.last_modified,
                        "IsLatest": position == len(history) - 1,
                    }
                    if isinstance(key, FakeDeleteMarker):
                        markers.append(entry)
                    else:
                        versions.append(entry | {"Size": key.size, "ETag": key.etag})
        # Newest first within a key, as ListObjectVersions lists them.
        versions.reverse()
        markers.reverse()
        return versions, markers

    def bucket_mark(self, bucket: str) -> object:
        """Changes whenever a version or delete marker of `bucket` is added or removed: per
        key, how many and the newest one's id (version ids are never reused). O(keys)."""
        with self.lock:
            store = s3_backends[ACCOUNT_ID]["aws"].get_bucket(bucket).keys
            return tuple(
                (name, len(history), history[-1].version_id if history else None)
                for name, history in dict.items(store)
            )


class StateDirInUseError(RuntimeError):
    """Another local stack runs with this state directory."""


class LocalStack:
    """Starts, seeds and stops the whole system on loopback."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.template = load_template(config.template_path)
        self.resolver = Resolver(
            template=self.template,
            region=config.region,
            stack_name=config.stack_name,
            parameters=dict(config.parameters),
        )
        self.moto: MotoServer | None = None
        self.endpoint = ""
        self.functions: list[LocalFunction] = []
        self.invokers: dict[str, AsyncInvoker] = {}
        self.watchers: list[BucketWatcher] = []
        self.pollers: list[StreamPoller | QueuePoller] = []
        self._stream_pollers: dict[str, StreamPoller] = {}
        self._in_hand = snapshot.InHand()
        self._sequencer = Sequencer()
        self.scheduler: LocalScheduler | None = None
        self.api: HttpApiServer | None = None
        self.queue_urls: dict[str, str] = {}
        self.info: dict[str, Any] = {}
        self.secrets: dict[str, str] = {}
        self.restored = False
        self.outbox: OutboxWatcher | None = None
        self._saved_env: dict[str, str | None] = {}
        self._watch_stop = threading.Event()
        self._watch_thread: threading.Thread | None = None
        # One save at a time; `_saved` is what the file holds (None: unknown, save anyway).
        self._save_lock = threading.Lock()
        self._saved: object = None
        self._autosave_stop = threading.Event()
        self._autosave_thread: threading.Thread | None = None
        self._state_lock: IO[str] | None = None
        self._fingerprint = snapshot.fingerprint(
            config.template_path, dict(config.parameters), config.region
        )

    @property
    def state_file(self) -> Path:
        """`stack.json`: written when the stack is ready, removed when it stops."""
        return self.config.state_dir / "stack.json"

    @property
    def snapshot_file(self) -> Path:
        """The saved tables and buckets a start restores (see `infra.local.snapshot`)."""
        return self.config.state_dir / "snapshot.pickle"

    def not_emulated(self) -> Counter[str]:
        """Resource types of the template the local stack skips (CloudFront, alarms…)."""
        skipped = Counter(
            resource["Type"]
            for resource in self.template["Resources"].values()
            if resource["Type"] not in EMULATED
        )
        canaries = [
            function
            for function in resources("AWS::Serverless::Function", self.template).values()
            if "DeploymentPreference" in function.get("Properties", {})
        ]
        if canaries:
            skipped["DeploymentPreference (CodeDeploy canary)"] = len(canaries)
        return skipped

    def client(self, service: str) -> Any:
        """A boto3 client of this stack's moto server (explicit endpoint and fake keys)."""
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint,
            region_name=self.config.region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        )

    # -- start -------------------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        """Bring everything up, restore or publish the content, write stack.json; return it.

        The API listens from the start but answers 503 (Retry-After) until everything is
        settled, so nothing half-seeded is ever served.
        """
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        self.lock_state_dir()
        self.state_file.unlink(missing_ok=True)
        if self.config.fresh:
            self.snapshot_file.unlink(missing_ok=True)
        self.moto = MotoServer(self.config.host, self.config.aws_port)
        restored = snapshot.restore(self.snapshot_file, self.config.region, self._fingerprint)
        self.restored = restored is not None
        self._in_hand = restored.in_hand if restored is not None else snapshot.InHand()
        self._sequencer = Sequencer(after=self._in_hand.sequencer)
        self.moto.start()
        self.endpoint = self.moto.url
        self._provision(restored.secrets if restored is not None else {})
        specs = function_specs(self.resolver, self.config.template_path)
        self.functions = [LocalFunction(spec, self.config.region) for spec in specs]
        self.api = HttpApiServer(
            self.config.host,
            self.config.api_port,
            self.functions,
            cors=Cors.from_template(self.resolver),
        )
        self.api.start()
        self._set_environment(specs)
        loaded = [function for function in self.functions if function.load()]
        self._start_triggers(loaded)
        seeded = {"restored": str(self.snapshot_file)} if self.restored else self._seed()
        self.info = self._describe(seeded)
        self.api.ready.set()
        self._write_state()
        if self.restored:  # the file holds this state already: no need to write it again
            self._saved = snapshot.current(
                self.moto.lock, self.config.region, self._triggers_in_hand()
            )
        else:
            self.save_snapshot()
        if self.config.autosave_interval > 0:
            self._autosave_thread = threading.Thread(
                target=self._autosave, name="autosave", daemon=True
            )
            self._autosave_thread.start()
        return self.info

    def save_snapshot(self, *, if_changed: bool = False) -> bool:
        """Keep the tables, buckets and triggers' positions for the next start; whether it
        wrote. `if_changed` (the periodic save): only if they changed since the last save,
        and never once stopping began (the stop's own save is the last word).

        A failure is logged and leaves the file as the last save wrote it.
        """
        if self.moto is None:
            return False
        with self._save_lock:
            if if_changed and self._autosave_stop.is_set():
                return False
            started = time.monotonic()
            try:
                saved = snapshot.save(
                    self.snapshot_file,
                    self.moto.lock,
                    self.config.region,
                    self._fingerprint,
                    self.secrets,
                    self._triggers_in_hand(),
                    unless=self._saved if if_changed else None,
                )
            except Exception:
                log.exception("saving %s failed; it keeps its last save", self.snapshot_file)
                return False
            if saved is None:
                return False
            self._saved = saved
            if if_changed:
                log.info(
                    "saved %s (%.1f MB, %.2f s)",
                    self.snapshot_file,
                    self.snapshot_file.stat().st_size / 1e6,
                    time.monotonic() - started,
                )
            return True

    def _autosave(self) -> None:
        """Save every `autosave_interval` seconds if anything changed; an idle stack writes
        nothing (comparing costs a pass over moto's keys, no copy)."""
        while not self._autosave_stop.wait(self.config.autosave_interval):
            self.save_snapshot(if_changed=True)

    def _triggers_in_hand(self) -> snapshot.InHand:
        """Where each stream reader and bucket watcher is, counting what it has in hand as not
        handled: a restore delivers that again instead of leaving it half done."""
        streams = {}
        for name, poller in self._stream_pollers.items():
            position = poller.unhandled_from()
            if position is not None:
                streams[name] = position
        buckets = {w.bucket: w.handled() for w in self.watchers}
        return snapshot.InHand(streams, buckets, self._sequencer.last)

    def _provision(self, saved: dict[str, str]) -> None:
        """Create queues, tables, buckets and secrets as the template declares them.

        Secrets get a random value shaped by `GenerateSecretString`, or the value a restored
        snapshot kept (`saved`, by name).
        """
        sqs, dynamodb, s3 = self.client("sqs"), self.client("dynamodb"), self.client("s3")
        stack = self.config.stack_name
        for logical_id, resource in resources("AWS::SQS::Queue", self.template).items():
            props = resource.get("Properties", {})
            name = self.resolver.string(props.get("QueueName", f"{stack}-{logical_id}"))
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
            self._register(logical_id, url, Arn=arn["Attributes"]["QueueArn"], QueueName=name)
            self.queue_urls[arn["Attributes"]["QueueArn"]] = url
        for logical_id, resource in resources("AWS::SQS::Queue", self.template).items():
            redrive = resource.get("Properties", {}).get("RedrivePolicy")
            if redrive:  # its target exists now; moto moves messages after maxReceiveCount
                policy = {
                    "deadLetterTargetArn": self.resolver.string(redrive["deadLetterTargetArn"]),
                    "maxReceiveCount": int(redrive["maxReceiveCount"]),
                }
                sqs.set_queue_attributes(
                    QueueUrl=self.resolver.refs[logical_id],
                    Attributes={"RedrivePolicy": json.dumps(policy)},
                )
        for logical_id, resource in resources("AWS::DynamoDB::Table", self.template).items():
            props = resource["Properties"]
            name = self.resolver.string(props.get("TableName", f"{stack}-{logical_id}"))
            try:
                request = table_create_request(props, name)
                table = dynamodb.create_table(**request)["TableDescription"]
            except dynamodb.exceptions.ResourceInUseException:  # restored from the snapshot
                table = dynamodb.describe_table(TableName=name)["Table"]
            ttl = props.get("TimeToLiveSpecification") or {}
            if ttl.get("Enabled") and not self.restored:
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["AttributeName"],
                    },
                )
            attributes = {"Arn": table["TableArn"]}
            if "LatestStreamArn" in table:
                attributes["StreamArn"] = table["LatestStreamArn"]
            self._register(logical_id, name, **attributes)
        for logical_id, resource in resources("AWS::S3::Bucket", self.template).items():
            props = resource.get("Properties", {})
            name = self.resolver.string(props.get("BucketName", f"{stack}-{logical_id}".lower()))
            location = {}
            if self.config.region != "us-east-1":
                location = {"CreateBucketConfiguration": {"LocationConstraint": self.config.region}}
            if not self.restored:
                s3.create_bucket(Bucket=name, **location)
            if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            self._register(
                logical_id,
                name,
                Arn=f"arn:aws:s3:::{name}",
                DomainName=f"{name}.s3.amazonaws.com",
                RegionalDomainName=f"{name}.s3.{self.config.region}.amazonaws.com",
            )
            log.info("bucket %s (%s)", name, logical_id)
        secretsmanager = self.client("secretsmanager")
        for logical_id, resource in resources("AWS::SecretsManager::Secret", self.template).items():
            props = resource.get("Properties", {})
            name = self.resolver.string(props.get("Name", f"{stack}-{logical_id}"))
            # A restored snapshot keeps the values, so e-mailed links stay valid.
            value = saved.get(name) or generated_secret(props.get("GenerateSecretString", {}))
            self.secrets[name] = value
            arn = secretsmanager.create_secret(Name=name, SecretString=value)["ARN"]
            self._register(logical_id, arn, Id=arn)
            log.info(
                "secret %s (%s, %s)", name, logical_id, "kept" if name in saved else "generated"
            )
        for logical_id, resource in self.template.get("Resources", {}).items():
            if str(resource.get("Type", "")).startswith(NOT_EMULATED_PREFIXES):
                self._register(logical_id, "")
        self._provision_scheduling()

    def _provision_scheduling(self) -> None:
        """Schedule groups, and roles (ARNs only: moto does not enforce IAM)."""
        for logical_id, name in create_groups(self.client("scheduler"), self.resolver).items():
            self._register(logical_id, name)
        for logical_id in resources("AWS::IAM::Role", self.template):
            arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{self.config.stack_name}-{logical_id}"
            self._register(logical_id, arn, Arn=arn)

    def _register(self, logical_id: str, ref: str, **attributes: str) -> None:
        self.resolver.refs[logical_id] = ref
        for attribute, value in attributes.items():
            self.resolver.attributes[(logical_id, attribute)] = value

    def _set_environment(self, specs: list[FunctionSpec]) -> None:
        """One process hosts every handler: their environments are merged (conflicts warned)."""
        assert self.api is not None
        merged: dict[str, str] = {}
        for spec in specs:
            for name, value in spec.environment.items():
                if merged.get(name, value) != value:
                    log.warning(
                        "%s: %s differs between functions; using %r",
                        spec.logical_id,
                        name,
                        merged[name],
                    )
                merged.setdefault(name, value)
        outbox = (self.config.state_dir / "outbox").resolve()
        outbox.mkdir(parents=True, exist_ok=True)
        merged |= FAKE_CREDENTIALS | {
            "AWS_REGION": self.config.region,
            "AWS_DEFAULT_REGION": self.config.region,
            "AWS_ENDPOINT_URL": self.endpoint,
            "OUTBOX_DIR": str(outbox),
            "PUBLIC_API_URL": self.api.url,
        }
        for name, value in merged.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def _start_triggers(self, functions: list[LocalFunction]) -> None:
        """Stream pollers (their LATEST is now), async queues and bucket watchers."""
        assert self.moto is not None
        by_bucket: dict[str, list[Any]] = {}
        retention = StreamRetention()  # shared: a shard is trimmed behind its slowest reader
        for function in functions:
            spec = function.spec
            for trigger in spec.streams:
                name = f"{spec.logical_id}/{trigger.name}"
                source = MotoStreamSource(
                    self.moto.lock,
                    trigger.stream_arn,
                    self.config.region,
                    trigger.starting_position,
                    retention,
                    resume=self._in_hand.streams.get(name),
                )
                poller = StreamPoller(
                    source, trigger, function, self.config.region, self.send_to_destination
                )
                poller.start()
                self.pollers.append(poller)
                self._stream_pollers[name] = poller
            for queue_trigger in spec.queues:
                queue_poller = QueuePoller(
                    self.client("sqs"),
                    self.queue_urls[queue_trigger.queue_arn],
                    queue_trigger,
                    function,
                    self.config.region,
                    self.config.poll_interval,
                )
                queue_poller.start()
                self.pollers.append(queue_poller)
            if spec.s3:
                invoker = AsyncInvoker(function, self.send_to_destination)
                invoker.start()
                self.invokers[spec.logical_id] = invoker
                for s3_trigger in spec.s3:
                    by_bucket.setdefault(s3_trigger.bucket, []).append((s3_trigger, invoker.submit))
        for bucket, targets in by_bucket.items():
            watcher = BucketWatcher(
                self.moto.list_versions,
                bucket,
                self.config.region,
                targets,
                self._sequencer,
                self.moto.bucket_mark,
            )
            # A restored bucket's objects were handled before the snapshot was taken, except
            # the ones still in hand then: the first scan delivers those again.
            watcher.baseline(self._in_hand.buckets.get(bucket)) if self.restored else watcher.scan()
            self.watchers.append(watcher)
        self.outbox = OutboxWatcher(Path(os.environ["OUTBOX_DIR"]), self._print_mail)
        self._watch_thread = threading.Thread(target=self._watch, name="watch", daemon=True)
        self._watch_thread.start()
        self._start_scheduler(functions)

    def _start_scheduler(self, functions: list[LocalFunction]) -> None:
        """Fire the schedule groups' due schedules into their functions' async queues."""
        groups = [
            self.resolver.refs[logical_id]
            for logical_id in resources("AWS::Scheduler::ScheduleGroup", self.template)
        ]
        by_arn = {function.arn: function for function in functions}

        def deliver(
            arn: str, payload: dict[str, Any], source: str, done: Callable[[], None]
        ) -> None:
            # An alias- or version-qualified ARN names the same local function.
            function = by_arn.get(":".join(arn.split(":")[:7]))
            if function is None:
                log.error("schedule target %s is not a local function", arn)
                done()
                return
            invoker = self.invokers.get(function.spec.logical_id)
            if invoker is None:
                invoker = AsyncInvoker(function, self.send_to_destination)
                invoker.start()
                self.invokers[function.spec.logical_id] = invoker
            invoker.submit(payload, source, done)

        self.scheduler = LocalScheduler(self.client("scheduler"), groups, deliver)
        self.scheduler.start()

    @staticmethod
    def _print_mail(line: str) -> None:
        print(line, flush=True)

    def _watch(self) -> None:
        while not self._watch_stop.is_set():
            for watcher in self.watchers:
                try:
                    watcher.scan()
                except Exception:
                    log.exception("listing bucket %s failed", watcher.bucket)
            try:
                if self.outbox is not None:
                    self.outbox.scan()
            except Exception:
                log.exception("reading the outbox failed")
            self._watch_stop.wait(self.config.poll_interval)

    def send_to_destination(self, arn: str, payload: dict[str, Any]) -> None:
        """Lambda's OnFailure destination: SQS queues of the stack get the record."""
        url = self.queue_urls.get(arn)
        if url is None:
            log.error(
                "destination %s is not a local queue; record: %s", arn, json.dumps(payload)[:2000]
            )
            return
        self.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(payload))
        log.error("failure record sent to %s", url)

    # -- seed --------------------------------------------------------------------------

    def _seed(self) -> dict[str, Any]:
        """Upload the sample content like an editor would, then wait until it is processed."""
        if self.config.seed_dir is None:
            return {"uploaded": 0}
        bucket = self.content_bucket()
        s3 = self.client("s3")
        files = seed_files(self.config.seed_dir)
        for key, path in files:
            s3.put_object(
                Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(path)
            )
        log.info("uploaded %d sample files to s3://%s", len(files), bucket)
        idle = self.wait_until_idle(self.config.seed_timeout)
        if not idle:
            log.warning("sample content still processing after %.0f s", self.config.seed_timeout)
        reports = self.report_statuses([key for key, _ in files])
        log.info("sample content: %s", dict(reports) or "no reports (publisher not running)")
        return {"uploaded": len(files), "reports": dict(reports), "settled": idle}

    def report_statuses(self, keys: list[str]) -> Counter[str]:
        """How many of `keys` have a report, by status (the editor contract's reports/)."""
        s3 = self.client("s3")
        statuses: Counter[str] = Counter()
        for key in keys:
            try:
                body = s3.get_object(Bucket=self.content_bucket(), Key=report_key(key))["Body"]
            except s3.exceptions.NoSuchKey:
                continue
            statuses[json.loads(body.read()).get("status", "unknown")] += 1
        return statuses

    def _activity(self) -> tuple[int, int]:
        """(work observed so far, completed polling cycles of the slowest poller)."""
        work = sum(w.dispatched for w in self.watchers) + sum(p.dispatched for p in self.pollers)
        work += sum(f.invocations for f in self.functions)
        cycles = [w.scans for w in self.watchers] + [p.cycles for p in self.pollers]
        return work, min(cycles, default=0)

    def busy(self) -> bool:
        """Whether any event is queued, in a batch buffer or being handled."""
        return any(i.pending for i in self.invokers.values()) or any(
            p.pending for p in self.pollers
        )

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until two full polling rounds see no new work (uploads, stream records)."""
        if not self.watchers and not self.pollers:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            work, cycles = self._activity()
            while self._activity()[1] < cycles + 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            if not self.busy() and self._activity()[0] == work:
                return True
        return False

    # -- describe / stop ---------------------------------------------------------------

    def content_bucket(self) -> str:
        """The bucket editors upload to: the functions' CONTENT_BUCKET, else the first bucket."""
        for function in self.functions:
            if "CONTENT_BUCKET" in function.spec.environment:
                return function.spec.environment["CONTENT_BUCKET"]
        return next(iter(self._names("AWS::S3::Bucket").values()))

    def _names(self, kind: str) -> dict[str, str]:
        return {lid: self.resolver.refs[lid] for lid in resources(kind, self.template)}

    def _describe(self, seeded: dict[str, Any]) -> dict[str, Any]:
        assert self.api is not None
        tables = self._names("AWS::DynamoDB::Table")
        return {
            "api_url": self.api.url,
            "aws_endpoint_url": self.endpoint,
            "content_bucket": self.content_bucket(),
            "table_name": next(iter(tables.values()), None),
            "region": self.config.region,
            "credentials": {
                "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            },
            "outbox_dir": os.environ["OUTBOX_DIR"],
            "tables": tables,
            "buckets": self._names("AWS::S3::Bucket"),
            "queues": self._names("AWS::SQS::Queue"),
            "functions": {
                f.spec.logical_id: {
                    "handler": f.spec.handler,
                    "status": f.status,
                    "triggers": [
                        *(t.name for t in f.spec.s3),
                        *(t.name for t in f.spec.streams),
                        *(t.name for t in f.spec.http),
                        *(t.name for t in f.spec.queues),
                    ],
                }
                for f in self.functions
            },
            "seed": seeded,
            "not_emulated": dict(sorted(self.not_emulated().items())),
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def _write_state(self) -> None:
        """Write stack.json atomically: its appearance is the ready signal."""
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".json.tmp")
        partial.write_text(
            json.dumps(self.info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        partial.replace(self.state_file)

    def lock_state_dir(self) -> None:
        """Own the state directory, or raise: two stacks on one `.local` would each remove
        the other's stack.json and overwrite its snapshot (the last to stop wins).

        An advisory lock on `stack.lock`, released by the kernel whatever ends the process.
        """
        path = self.config.state_dir / "stack.lock"
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise StateDirInUseError(
                f"another local stack (pid {holder}) is running with {self.config.state_dir}: "
                "use that one, stop it first, or give this one its own --state-dir"
            ) from None
        try:  # unbuffered: a full disk must not leave a write pending in the handle
            os.ftruncate(handle.fileno(), 0)
            os.write(handle.fileno(), f"{os.getpid()}\n".encode())
        except OSError as error:
            handle.close()
            raise OSError(error.errno, error.strerror, str(path)) from None
        self._state_lock = handle

    def stop(self) -> None:
        """Remove stack.json; stop the API, triggers and moto, saving the snapshot between.

        Work in hand gets STOP_GRACE seconds; an invocation still running after that is left
        to the process's exit (its thread is not waited for), so stopping stays quick. A stack
        that never owned its state directory touches nothing in it.
        """
        if self._state_lock is None:
            return
        self._autosave_stop.set()
        self.state_file.unlink(missing_ok=True)
        if self.api is not None:
            self.api.ready.clear()
            self.api.stop()
        self._watch_stop.set()
        if self._watch_thread is not None:
            self._watch_thread.join(timeout=STOP_GRACE)
        if self.scheduler is not None:
            self.scheduler.stop()
        for poller in self.pollers:
            poller.stop(timeout=STOP_GRACE / max(1, len(self.pollers)))
        for invoker in self.invokers.values():
            invoker.stop(timeout=STOP_GRACE / max(1, len(self.invokers)))
        if self.busy():
            log.warning("stopping with events in hand: they are not handled")
        if self.moto is not None and self.info:
            self.save_snapshot()  # waits for a periodic save in progress
        if self._autosave_thread is not None:
            self._autosave_thread.join(timeout=STOP_GRACE)
        for function in self.functions:
            function.shutdown(wait=False)
        if self.moto is not None:
            self.moto.stop()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._state_lock.close()  # releases the lock
        self._state_lock = None
        log.info("local stack stopped")
