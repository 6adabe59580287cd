"""Run ASGI apps with uvicorn in background threads (tests and the launcher).

``with serve_app(app) as base_url:`` serves ``app`` on a free loopback port for the
duration of the block; :class:`ServerThread` is the same with a fixed port and an explicit
``start()``/``stop()``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

__all__ = ["ServerThread", "serve_app"]


class ServerThread:
    """One uvicorn server on ``host:port`` (0 picks a free port) in a daemon thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0,
                 log_level: str = "warning") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted connections inherit it: no 40 ms delayed-ACK stall between the header
        # and body writes of each response
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level=log_level, lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"uvicorn-{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self.server.run(sockets=[self.sock])

    def start(self, timeout_s: float = 10.0) -> str:
        """Start serving; returns the base URL once the server accepts requests."""
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.01)
        return self.url

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)
        with contextlib.suppress(OSError):
            self.sock.close()


@contextlib.contextmanager
def serve_app(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` for the duration of the block; yields its base URL."""
    server = ServerThread(app, host, port)
    try:
        yield server.start()
    finally:
        server.stop()
