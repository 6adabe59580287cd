"""A browser server for robots on other hosts: ``python -m orchestrator.cluster.browser_server``.

Robots with ``FINBOTS_BROWSER_WS=ws://<this host>:<port>/`` drive Chromium instances that run
here (Playwright's ``connect``), so browser capacity grows apart from robots. Each
connection gets a browser of its own, closed when the connection ends.

Behind the port listens Playwright's own server (``playwright run-server``, started on a
loopback port with ``--unsafe`` so that it accepts an executable path) and, in front, this
module's proxy, which decides the launch options itself: the Chromium :func:`find_chromium`
picks on this host (``FINBOTS_CHROMIUM`` to choose another) with :func:`launch_args`,
headless. Launch options a client sends (header or ``launch-options`` query parameter) are
dropped, so no client chooses what runs here. With ``FINBOTS_BROWSER_TOKEN`` set, a
connection without that token in :data:`~bots.runtime.chromium.TOKEN_HEADER` is refused
(401) before anything starts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from loguru import logger

from bots.runtime.chromium import TOKEN_HEADER, find_chromium, launch_args

__all__ = ["BrowserServer", "main"]

MAX_HEAD_BYTES = 16 * 1024
_DROPPED_HEADERS = {"x-playwright-launch-options", TOKEN_HEADER}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rewrite_head(head: bytes, launch_options: str, token: str | None,
                 upstream: str = "127.0.0.1") -> bytes | None:
    """The client's HTTP request head with our launch options in place of the client's and
    ``Host`` naming ``upstream`` (Playwright's server takes loopback hosts only); ``None``
    when it is not a request or the token is missing or wrong."""
    try:
        text = head.decode("latin-1")
        request_line, *lines = text.split("\r\n")
        method, target, version = request_line.split(" ", 2)
    except ValueError:
        return None
    headers: list[tuple[str, str]] = []
    given = None
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            return None
        key = name.strip().lower()
        if key == TOKEN_HEADER:
            given = value.strip()
        if key not in _DROPPED_HEADERS and key != "host":
            headers.append((name.strip(), value.strip()))
    if token and not (given and hmac.compare_digest(given.encode(), token.encode())):
        return None
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k != "launch-options"]
    target = urlunsplit(("", "", parts.path or "/", urlencode(query), ""))
    headers.insert(0, ("Host", upstream))
    headers.append(("x-playwright-launch-options", launch_options))
    out = [f"{method} {target} {version}", *(f"{k}: {v}" for k, v in headers), "", ""]
    return "\r\n".join(out).encode("latin-1")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


class BrowserServer:
    """Playwright's run-server on a loopback port, and the proxy in front of it."""

    def __init__(self, host: str, port: int, *, token: str | None = None,
                 max_clients: int = 8) -> None:
        self.host, self.port, self.token, self.max_clients = host, port, token, max_clients
        self.inner_port = _free_port()
        self.launch_options = json.dumps({
            "executablePath": find_chromium(), "args": launch_args(), "headless": True})
        self._proc: subprocess.Popen[bytes] | None = None

    def start_inner(self, timeout: float = 30.0) -> None:
        cmd = [sys.executable, "-m", "playwright", "run-server", "--host", "127.0.0.1",
               "--port", str(self.inner_port), "--unsafe",
               "--max-clients", str(self.max_clients)]
        # its own process group: the Python wrapper starts Playwright's driver as a child
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"playwright run-server ended ({self._proc.returncode})")
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.inner_port), timeout=0.5):
                return
            time.sleep(0.1)
        raise RuntimeError("playwright run-server did not start")

    def stop_inner(self) -> None:
        if self._proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, sig)
            try:
                self._proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue

    async def _client(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.LimitOverrunError, asyncio.IncompleteReadError, TimeoutError,
                ConnectionError):
            writer.close()
            return
        rewritten = rewrite_head(head, self.launch_options, self.token,
                                 f"127.0.0.1:{self.inner_port}")
        if rewritten is None:
            logger.warning("browser server: refused a connection from {}", peer)
            writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.inner_port)
        except OSError:
            writer.close()
            return
        logger.info("browser server: a browser for {}", peer)
        up_writer.write(rewritten)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    async def serve(self, ready: asyncio.Event | None = None) -> None:
        server = await asyncio.start_server(self._client, self.host, self.port,
                                            limit=MAX_HEAD_BYTES)
        logger.info("browser server on ws://{}:{}/ (Chromium {}){}", self.host, self.port,
                    json.loads(self.launch_options)["executablePath"],
                    ", token required" if self.token else "")
        if ready is not None:
            ready.set()
        async with server:
            await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--max-clients", type=int, default=8,
                        help="browsers at once (further connections wait)")
    ns = parser.parse_args(argv)
    server = BrowserServer(ns.host, ns.port, token=os.environ.get("FINBOTS_BROWSER_TOKEN"),
                           max_clients=ns.max_clients)
    server.start_inner()
    loop = asyncio.new_event_loop()
    task = loop.create_task(server.serve())
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)
    finally:
        server.stop_inner()
        loop.close()


if __name__ == "__main__":
    main()
