"""A server on a background thread: what the moto endpoint and the HTTP API share."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from socketserver import BaseServer
from typing import Any


class BackgroundServer:
    """Serves `self.server` on `self._thread`; subclasses create both in `__init__`."""

    server: BaseServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        """Base URL (http://host:port) of the server."""
        address: Any = self.server.server_address
        host, port = address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (if started) and close the socket."""
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join()
        self.server.server_close()


def interrupt(process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Stop a local stack run as a subprocess as Ctrl-C does; kill it if it hangs."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# Set by whoever starts a stack it must not outlive (the test fixtures, `make load`): its pid.
STOP_WITH_PARENT = "NEWSDESK_STOP_WITH_PARENT"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def child_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment for a stack that stops (one SIGTERM) when its starter dies."""
    return {**environ, STOP_WITH_PARENT: str(os.getpid())}


def stop_with_parent() -> None:
    """If asked to, have Linux send this process SIGTERM when its parent dies, so a killed
    test run leaves no stack behind. The parent may have died before this ran: then stop now."""
    parent = os.environ.get(STOP_WITH_PARENT)
    if not parent or sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if str(os.getppid()) != parent:
        os.kill(os.getpid(), signal.SIGTERM)
