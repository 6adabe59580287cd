"""Remote browsers: a robot drives a Chromium that the browser server runs, through
Playwright's ``connect``; the server alone decides what it launches."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bots.runtime.browser import shared_playwright
from bots.runtime.chromium import TOKEN_HEADER, connect_chromium
from bots.runtime.errors import BrowserNotFoundError
from orchestrator.cluster.browser_server import rewrite_head

REPO = Path(__file__).resolve().parents[2]
TOKEN = "t0ken-for-the-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _descendants(pid: int) -> list[str]:
    """Command names of ``pid``'s descendants."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        names[int(entry.name)] = name
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(names.get(child, "?"))
        todo += children.get(child, [])
    return found


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cluster.browser_server", "--port", str(port)],
        cwd=REPO, env={**os.environ, "FINBOTS_BROWSER_TOKEN": TOKEN})
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
    try:
        yield f"ws://127.0.0.1:{port}/", proc
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body><h1 id=t>Remittance 4711</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_a_robot_drives_a_browser_the_server_runs(
        server: tuple[str, subprocess.Popen[bytes]], site: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, proc = server
    monkeypatch.setenv("FINBOTS_BROWSER_TOKEN", TOKEN)
    pw = shared_playwright()  # the test process's one driver (the sync API allows one)
    started = time.monotonic()
    browser = connect_chromium(pw, endpoint)
    print(f"connected to the browser server in {time.monotonic() - started:.2f} s")
    try:
        page = browser.new_page()
        page.goto(site)
        assert page.inner_text("#t") == "Remittance 4711"
        assert any("chromium" in name or "chrome" in name
                   for name in _descendants(proc.pid)), "the browser runs at the server"
    finally:
        browser.close()


def test_the_server_ignores_launch_options_a_client_sends(
        server: tuple[str, subprocess.Popen[bytes]], site: str) -> None:
    endpoint, _proc = server
    sneaky = json.dumps({"executablePath": "/bin/false", "args": ["--remote-debugging-port=1"]})
    pw = shared_playwright()
    browser = pw.chromium.connect(
        f"{endpoint}?launch-options={sneaky}", timeout=30_000,
        headers={TOKEN_HEADER: TOKEN, "x-playwright-launch-options": sneaky})
    try:
        page = browser.new_page()
        page.goto(site)
        assert page.inner_text("#t") == "Remittance 4711"  # the server's Chromium ran
    finally:
        browser.close()


def test_a_wrong_token_is_refused_without_showing_it(
        server: tuple[str, subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, _proc = server
    monkeypatch.setenv("FINBOTS_BROWSER_TOKEN", "not-the-token")
    with pytest.raises(BrowserNotFoundError) as refused:
        connect_chromium(shared_playwright(), endpoint, timeout_ms=10_000)
    assert endpoint in str(refused.value) and "401" in str(refused.value)
    assert "not-the-token" not in str(refused.value)


def test_the_request_head_keeps_the_servers_launch_options_only() -> None:
    head = (b"GET /?launch-options=%7B%7D&browser=chromium HTTP/1.1\r\nHost: x\r\n"
            b"x-playwright-launch-options: {\"executablePath\": \"/bin/sh\"}\r\n"
            b"x-finbots-browser-token: abc\r\n\r\n")
    ours = '{"executablePath": "/usr/bin/chromium"}'
    out = rewrite_head(head, ours, "abc", "127.0.0.1:4000")
    assert out is not None
    text = out.decode()
    assert text.startswith("GET /?browser=chromium HTTP/1.1\r\nHost: 127.0.0.1:4000\r\n")
    assert "Host: x" not in text
    assert "/bin/sh" not in text and "abc" not in text
    assert text.count("x-playwright-launch-options") == 1 and ours in text
    assert rewrite_head(head, ours, "other") is None
    assert rewrite_head(b"garbage\r\n\r\n", ours, None) is None
