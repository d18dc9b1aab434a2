"""Functions and their triggers as template.yaml declares them, and in-process invocation.

Every `AWS::Serverless::Function` becomes a `LocalFunction`: its handler imported from the
template's `Handler`, its environment resolved, and its `Events` (S3, DynamoDB, SQS, HttpApi)
described so the pollers and the HTTP server can feed it. Nothing here names a function.
"""

from __future__ import annotations

import asyncio
import fnmatch
import importlib
import logging
import queue
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local import patterns
from infra.local.intrinsics import ACCOUNT_ID, Resolver
from infra.template.reading import TEMPLATE_PATH, function_environment, resources

log = logging.getLogger("local.functions")

Handler = Callable[[dict[str, Any], Any], Any]
# Lambda retries a failed stream batch forever by default; locally we stop after this many.
DEFAULT_STREAM_RETRIES = 3
# Asynchronous invocations (S3 notifications) are retried twice by default, as on Lambda.
DEFAULT_ASYNC_RETRIES = 2


@dataclass(frozen=True)
class S3Trigger:
    """An `Events` entry of Type S3: which bucket, event names and key filter."""

    name: str
    bucket: str
    events: tuple[str, ...]
    prefix: str = ""
    suffix: str = ""

    def wants(self, event_name: str, key: str) -> bool:
        """Whether S3 would notify this trigger of `event_name` (e.g. ObjectCreated:Put) on key."""
        named = any(fnmatch.fnmatchcase(f"s3:{event_name}", pattern) for pattern in self.events)
        return named and key.startswith(self.prefix) and key.endswith(self.suffix)


@dataclass(frozen=True)
class StreamTrigger:
    """An `Events` entry of Type DynamoDB: the stream and how Lambda reads it."""

    name: str
    stream_arn: str
    batch_size: int = 100
    starting_position: str = "LATEST"
    batching_window: float = 0.0
    filters: tuple[dict[str, Any], ...] = ()
    max_retries: int = DEFAULT_STREAM_RETRIES
    report_item_failures: bool = False
    bisect_on_error: bool = False
    on_failure: str | None = None

    def accepts(self, record: dict[str, Any]) -> bool:
        """FilterCriteria: no filters pass everything, else any matching filter."""
        return not self.filters or patterns.matches_any(self.filters, record)


@dataclass(frozen=True)
class QueueTrigger:
    """An `Events` entry of Type SQS: the queue and how Lambda reads it."""

    name: str
    queue_arn: str
    batch_size: int = 10
    report_item_failures: bool = False


@dataclass(frozen=True)
class HttpRoute:
    """An `Events` entry of Type HttpApi: method and path template (`/{proxy+}`)."""

    name: str
    method: str = "ANY"
    path: str = "$default"

    @property
    def route_key(self) -> str:
        """The routeKey API Gateway puts in the event."""
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when this route takes the request, else None."""
        if self.method not in ("ANY", method.upper()):
            return None
        if self.path == "$default":
            return {}
        wanted = [part for part in self.path.split("/") if part]
        given = [part for part in path.split("/") if part]
        params: dict[str, str] = {}
        for index, part in enumerate(wanted):
            if part.startswith("{") and part.endswith("+}"):
                if index >= len(given):
                    return None
                params[part[1:-2]] = "/".join(given[index:])
                return params
            if index >= len(given):
                return None
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = given[index]
            elif part != given[index]:
                return None
        return params if len(wanted) == len(given) else None

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Sort key: exact paths before parameters, before greedy paths, before $default."""
        greedy = "+}" in self.path
        return (self.path == "$default", greedy, -len(self.path.split("/")))


@dataclass
class FunctionSpec:
    """One function of the template, resolved for the local stack."""

    logical_id: str
    handler: str
    code_dir: Path
    environment: dict[str, str]
    timeout: int = 3
    memory: int = 128
    s3: list[S3Trigger] = field(default_factory=list)
    streams: list[StreamTrigger] = field(default_factory=list)
    http: list[HttpRoute] = field(default_factory=list)
    queues: list[QueueTrigger] = field(default_factory=list)
    async_retries: int = DEFAULT_ASYNC_RETRIES
    async_on_failure: str | None = None


def function_specs(resolver: Resolver, template_path: Path = TEMPLATE_PATH) -> list[FunctionSpec]:
    """Every serverless function of the template with triggers resolved."""
    template = resolver.template
    globals_fn = template.get("Globals", {}).get("Function", {})
    specs = []
    for logical_id, resource in resources("AWS::Serverless::Function", template).items():
        props = resource["Properties"]
        env = {
            name: resolver.string(value)
            for name, value in function_environment(logical_id, template).items()
        }
        code_uri = props.get("CodeUri", globals_fn.get("CodeUri", "."))
        invoke_config = props.get("EventInvokeConfig", {})
        spec = FunctionSpec(
            logical_id=logical_id,
            handler=props.get("Handler", globals_fn.get("Handler", "")),
            code_dir=(template_path.parent / str(code_uri)).resolve(),
            environment=env,
            timeout=int(props.get("Timeout", globals_fn.get("Timeout", 3))),
            memory=int(props.get("MemorySize", globals_fn.get("MemorySize", 128))),
            async_retries=int(invoke_config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRIES)),
            async_on_failure=_destination(resolver, invoke_config.get("DestinationConfig")),
        )
        for event_name, event in props.get("Events", {}).items():
            _add_trigger(spec, resolver, event_name, event)
        specs.append(spec)
    return specs


def _destination(resolver: Resolver, config: dict[str, Any] | None) -> str | None:
    """The OnFailure destination ARN, if any."""
    target = (config or {}).get("OnFailure", {}).get("Destination")
    return resolver.string(target) if target is not None else None


def _add_trigger(spec: FunctionSpec, resolver: Resolver, name: str, event: dict[str, Any]) -> None:
    kind = event.get("Type")
    props = event.get("Properties", {})
    if kind == "S3":
        rules = props.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        by_name = {rule["Name"].lower(): resolver.string(rule["Value"]) for rule in rules}
        names = props["Events"]
        spec.s3.append(
            S3Trigger(
                name=name,
                bucket=resolver.string(props["Bucket"]),
                events=tuple([names] if isinstance(names, str) else names),
                prefix=by_name.get("prefix", ""),
                suffix=by_name.get("suffix", ""),
            )
        )
    elif kind == "DynamoDB":
        retries = int(props.get("MaximumRetryAttempts", -1))
        filters = props.get("FilterCriteria", {}).get("Filters", [])
        spec.streams.append(
            StreamTrigger(
                name=name,
                stream_arn=resolver.string(props["Stream"]),
                batch_size=int(props.get("BatchSize", 100)),
                starting_position=str(props.get("StartingPosition", "LATEST")),
                batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                filters=tuple(dict(patterns.parse(f["Pattern"])) for f in filters),
                max_retries=DEFAULT_STREAM_RETRIES if retries < 0 else retries,
                report_item_failures="ReportBatchItemFailures"
                in props.get("FunctionResponseTypes", []),
                bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
                on_failure=_destination(resolver, props.get("DestinationConfig")),
            )
        )
    elif kind == "SQS":
        spec.queues.append(
            QueueTrigger(
                name=name,
                queue_arn=resolver.string(props["Queue"]),
                batch_size=int(props.get("BatchSize", 10)),
                report_item_failures="ReportBatchItemFailures"
                in props.get("FunctionResponseTypes", []),
            )
        )
    elif kind == "HttpApi":
        spec.http.append(
            HttpRoute(
                name=name,
                method=str(props.get("Method", "ANY")).upper(),
                path=str(props.get("Path", "$default")),
            )
        )
    else:
        log.warning("%s: event %s of type %s is not run locally", spec.logical_id, name, kind)


class FakeLambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, spec: FunctionSpec, region: str) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{spec.logical_id}"
        )
        self.memory_limit_in_mb = spec.memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's configured timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class InvocationError(RuntimeError):
    """The handler raised: carries Lambda's error payload (type, message, trace)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(f"{payload['errorType']}: {payload['errorMessage']}")
        self.payload = payload


class LocalFunction:
    """A function whose handler runs in this process on its own thread.

    One thread per function stands in for one warm Lambda container: invocations run one
    at a time, on a thread that has an asyncio event loop (as Lambda's main thread has),
    so handlers need not be thread-safe, exactly as on Lambda.
    """

    def __init__(self, spec: FunctionSpec, region: str) -> None:
        self.spec = spec
        self.region = region
        self.handler: Handler | None = None
        self.status = "not loaded"
        self.invocations = 0
        self._container = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix=spec.logical_id,
            initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop()),
        )

    @property
    def arn(self) -> str:
        """The function's ARN on the local stack."""
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.spec.logical_id}"

    def load(self) -> bool:
        """Import the handler; a missing module is logged and the function skipped."""
        module_name, _, attribute = self.spec.handler.rpartition(".")
        if str(self.spec.code_dir) not in sys.path:
            sys.path.insert(0, str(self.spec.code_dir))
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if not (error.name and module_name.startswith(error.name)):
                self.status = f"skipped: importing {module_name} failed ({error})"
                log.exception("%s %s; its triggers are off", self.spec.logical_id, self.status)
                return False
            self.status = f"skipped: handler module {module_name} does not exist yet"
            log.warning("%s %s; its triggers are off", self.spec.logical_id, self.status)
            return False
        except Exception:
            self.status = f"skipped: importing {module_name} failed"
            log.exception("%s %s; its triggers are off", self.spec.logical_id, self.status)
            return False
        self.handler = getattr(module, attribute)
        self.status = "ready"
        return True

    def invoke(self, event: dict[str, Any], source: str) -> Any:
        """Run the handler on the function's thread; raise InvocationError if it raises."""
        return self._container.submit(self._run, event, source).result()

    def shutdown(self, wait: bool = True) -> None:
        """End the function's thread after the invocation in hand (waiting for it if asked)."""
        self._container.shutdown(wait=wait, cancel_futures=True)

    def _run(self, event: dict[str, Any], source: str) -> Any:
        if self.handler is None:
            raise InvocationError(
                {"errorType": "NotLoaded", "errorMessage": self.status, "stackTrace": []}
            )
        self.invocations += 1
        context = FakeLambdaContext(self.spec, self.region)
        started = time.perf_counter()
        try:
            result = self.handler(event, context)
        except Exception as error:
            elapsed = (time.perf_counter() - started) * 1000
            log.exception(
                "%s ✗ %s (%.0f ms) %s",
                self.spec.logical_id,
                source,
                elapsed,
                context.aws_request_id,
            )
            raise InvocationError(
                {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_exception(error),
                }
            ) from error
        elapsed = (time.perf_counter() - started) * 1000
        log.info("%s ← %s (%.0f ms)", self.spec.logical_id, source, elapsed)
        if elapsed > self.spec.timeout * 1000:
            log.warning(
                "%s took longer than its Timeout (%d s): Lambda would have stopped it",
                self.spec.logical_id,
                self.spec.timeout,
            )
        return result


class AsyncInvoker:
    """Lambda's asynchronous invocation: a queue, retries, then the OnFailure destination."""

    def __init__(
        self,
        function: LocalFunction,
        on_failure: Callable[[str, dict[str, Any]], None],
        retry_delay: float = 0.2,
    ) -> None:
        self.function = function
        self.on_failure = on_failure
        self.retry_delay = retry_delay
        self._queue: queue.Queue[tuple[dict[str, Any], str, Callable[[], None] | None] | None] = (
            queue.Queue()
        )
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"async-{function.spec.logical_id}", daemon=True
        )
        self._stopping = threading.Event()

    @property
    def pending(self) -> int:
        """Events queued or being handled."""
        with self._busy_lock:
            return self._busy

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the current invocation (waiting at most `timeout` seconds for it)."""
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout=self.function.spec.timeout + 1 if timeout is None else timeout)

    def submit(
        self, event: dict[str, Any], source: str, done: Callable[[], None] | None = None
    ) -> None:
        """Queue an event, as Lambda's Invoke with InvocationType=Event does; `done` is
        called once it was handled (or given up on), never for one dropped at a stop."""
        with self._busy_lock:
            self._busy += 1
        self._queue.put((event, source, done))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            event, source, done = item
            if self._stopping.is_set():
                log.warning("%s: stopping, %s not handled", self.function.spec.logical_id, source)
                continue
            try:
                if self._attempt(event, source) and done is not None:
                    done()
            finally:
                with self._busy_lock:
                    self._busy -= 1

    def _attempt(self, event: dict[str, Any], source: str) -> bool:
        """Invoke with Lambda's retries; whether the event is done with (handled, or given up
        on after every retry; not when a stop cut the retries short)."""
        spec = self.function.spec
        for attempt in range(spec.async_retries + 1):
            try:
                self.function.invoke(event, source)
            except InvocationError as error:
                exhausted = attempt == spec.async_retries
                if exhausted or self._stopping.wait(self.retry_delay * 2**attempt):
                    self._give_up(event, source, error, attempt + 1)
                    return exhausted
            else:
                return True
        return True

    def _give_up(
        self, event: dict[str, Any], source: str, error: InvocationError, attempts: int
    ) -> None:
        spec = self.function.spec
        log.error("%s gave up on %s after %d attempts", spec.logical_id, source, attempts)
        if spec.async_on_failure:
            self.on_failure(
                spec.async_on_failure,
                {
                    "version": "1.0",
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                    "requestContext": {
                        "requestId": str(uuid.uuid4()),
                        "functionArn": f"{self.function.arn}:$LATEST",
                        "condition": "RetriesExhausted",
                        "approximateInvokeCount": attempts,
                    },
                    "requestPayload": event,
                    "responseContext": {
                        "statusCode": 200,
                        "executedVersion": "$LATEST",
                        "functionError": "Unhandled",
                    },
                    "responsePayload": error.payload,
                },
            )
