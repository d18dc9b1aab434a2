"""`python -m infra.local` (`make run`): the whole system on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import logging
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from infra.local.serving import stop_with_parent
from infra.local.stack import CONTENT_DIR, LocalStack, StackConfig, StateDirInUseError


def parse_args(argv: list[str] | None) -> StackConfig:
    """Command-line options; every default is what `make run` uses."""
    defaults = StackConfig()
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__)
    parser.add_argument("--host", default=defaults.host, help="address to bind (loopback)")
    parser.add_argument(
        "--aws-port", type=int, default=defaults.aws_port, help="moto's port (0: any free)"
    )
    parser.add_argument(
        "--api-port", type=int, default=defaults.api_port, help="the API's port (0: any free)"
    )
    parser.add_argument("--region", default=defaults.region)
    parser.add_argument("--template", type=Path, default=defaults.template_path)
    parser.add_argument(
        "--state-dir", type=Path, default=defaults.state_dir, help="stack.json and outbox/"
    )
    parser.add_argument(
        "--seed-dir", type=Path, default=CONTENT_DIR, help="sample content (articles/, ebooks/)"
    )
    parser.add_argument("--no-seed", action="store_true", help="start empty")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="discard the snapshot in --state-dir and start from the template",
    )
    parser.add_argument(
        "--autosave-interval",
        type=float,
        default=defaults.autosave_interval,
        metavar="SECONDS",
        help="save the snapshot this often while running, if anything changed (0: never)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter override (repeatable), e.g. Stage=dev",
    )
    args = parser.parse_args(argv)
    parameters = dict(item.split("=", 1) for item in args.parameter)
    return StackConfig(
        host=args.host,
        aws_port=args.aws_port,
        api_port=args.api_port,
        region=args.region,
        template_path=args.template.resolve(),
        state_dir=args.state_dir,
        seed_dir=None if args.no_seed else args.seed_dir,
        parameters=parameters,
        fresh=args.fresh,
        autosave_interval=args.autosave_interval,
    )


def banner(info: dict[str, object], state_file: Path) -> str:
    """What a developer needs to start using the stack."""
    functions = info["functions"]
    not_emulated = info.get("not_emulated") or {}
    assert isinstance(functions, dict)
    assert isinstance(not_emulated, dict)
    seed = info.get("seed") or {}
    assert isinstance(seed, dict)
    width = max(map(len, functions), default=0) + 2  # PublishFailureFunction is 22 long
    started = (
        "restored from the snapshot (make run FRESH=1: start clean)"
        if seed.get("restored")
        else "fresh from the template"
    )
    lines = [
        "",
        "newsdesk local stack is ready",
        f"  state             {started}",
        f"  api_url           {info['api_url']}   (try {info['api_url']}/articles)",
        f"  aws_endpoint_url  {info['aws_endpoint_url']}",
        f"  content_bucket    {info['content_bucket']}",
        f"  table_name        {info['table_name']}",
        f"  outbox            {info['outbox_dir']}",
        f"  stack.json        {state_file}",
        "  functions",
        *(f"    {name:<{width}}{detail['status']}" for name, detail in functions.items()),
        "  not emulated (declared in template.yaml, skipped here)",
        *(f"    {kind} ×{count}" for kind, count in not_emulated.items()),
        "",
        f"  upload: aws s3 cp FILE s3://{info['content_bucket']}/articles/ "
        f"--endpoint-url {info['aws_endpoint_url']}   (or: make publish FILE=…)",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run until interrupted; exit 1 with a clear message when a port or the state dir is taken."""
    config = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)-5s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Ctrl-C, SIGTERM (kill, a supervisor, a test) and SIGHUP (the terminal window closed)
    # stop cleanly and keep the snapshot, even when started in the background by a shell
    # that ignores SIGINT for its children. Only the first signal
    # counts: make passes a SIGTERM sent to the process group on to us a second time, and it
    # must not interrupt the stop.
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise KeyboardInterrupt

    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, on_signal)
    try:
        stop_with_parent()
    except KeyboardInterrupt:
        return 0
    stack = LocalStack(config)
    code = 0
    try:
        info = stack.start()
        print(banner(info, stack.state_file), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            print(
                f"error: a port is already in use ({error}). Stop the other process or choose "
                "other ports: make run AWS_PORT=… API_PORT=…",
                file=sys.stderr,
            )
        else:  # a full disk, a state dir that cannot be made or written…
            print(f"error: the local stack could not start: {error}", file=sys.stderr)
        code = 1
    except StateDirInUseError as error:
        print(f"error: {error}", file=sys.stderr)
        code = 1
    except Exception:
        logging.getLogger("local").exception("the local stack failed")
        code = 1
    finally:
        stopping = True
        try:
            stack.stop()
        finally:
            logging.shutdown()
            with contextlib.suppress(OSError):  # a closed terminal cannot take the last lines
                sys.stdout.flush()
                sys.stderr.flush()
            # Not waiting for a handler still running on a function's thread (the interpreter
            # would join it at exit): one Ctrl-C ends the stack within seconds.
            os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
