"""A server on a background thread: what the moto endpoint and the HTTP API share."""

from __future__ import annotations

import signal
import subprocess
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
