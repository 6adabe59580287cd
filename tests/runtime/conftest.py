"""Fixtures: a small local web app served over HTTP, its selector file, a run context.

One Chromium is shared by the whole test session (the runtime keeps one per process).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bots.runtime import MemorySink, RunContext, shutdown_browser

PAGES: dict[str, str] = {
    "/login": """<html><body><h1>Sign in</h1>
<form method="post" action="/login">
  <input name="userid" type="text"><input name="pwd" type="password">
  <input name="otp" type="text"><button id="go" type="submit">Sign in</button>
</form><img src="/logo.png"></body></html>""",
    "/home": "<html><body><h1 id='welcome'>Welcome</h1><p id='missing-later'>x</p></body></html>",
    "/frames": """<html><body><h1>Outer</h1>
<iframe name="main" src="/inner"></iframe></body></html>""",
    "/inner": """<html><body><label>Amount <input name="amount" value="0.00"></label>
<select name="currency"><option value="EUR">Euro</option><option value="USD">Dollar</option>
</select><input type="checkbox" name="confirm"><span id="status">ready</span></body></html>""",
    "/popup": """<html><body><a id="open" href="/child" target="_blank">details</a>
</body></html>""",
    "/child": "<html><body><h2 id='detail'>Invoice INV-1001</h2></body></html>",
    "/alert": """<html><body><button id="post" onclick="alert('Posted 3 items')">Post</button>
<button id="quiet">Nothing</button></body></html>""",
    "/download": """<html><body><a id="get" href="/statement.csv">statement</a></body></html>""",
    "/delayed": """<html><body><div id="spinner">loading</div><script>
setTimeout(() => { const d = document.createElement('div'); d.id = 'result';
d.textContent = 'Done'; document.body.appendChild(d); }, 400);</script></body></html>""",
}

SELECTORS = """
app: testapp
version: "1.0"
base_url: {base_url}
selectors:
  login.username: ["css=input[name=userid]"]
  login.password: ["css=#no-such-password", "css=input[name=pwd]"]
  login.otp:
    locators: ["css=input[name=otp]"]
    secret: true
  login.submit: ["css=#broken-button", "xpath=//[", "role=button[name='Sign in']"]
  home.welcome: ["css=#welcome"]
  inner.amount:
    frame: ["iframe[name=main]"]
    locators: ["css=input[name=amt]", "css=input[name=amount]"]
  inner.currency:
    frame: ["iframe[name=main]"]
    locators: ["css=select[name=currency]"]
  inner.confirm:
    frame: ["iframe[name=main]"]
    locators: ["css=input[name=confirm]"]
  inner.status:
    frame: ["iframe[name=main]"]
    locators: ["css=#status"]
  popup.open: ["css=#open"]
  popup.detail: ["css=#detail"]
  alert.post: ["css=#post"]
  alert.quiet: ["css=#quiet"]
  download.get: ["css=#get"]
  delayed.result: ["css=#result"]
  delayed.error: ["css=#error"]
  nothing: ["css=#does-not-exist", "xpath=//nothing"]
"""


class Handler(BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 - shared log of the paths asked for
    bodies: list[bytes] = []  # noqa: RUF012

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # aborted by the route
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        Handler.requests.append(path)
        if path in PAGES:
            self._send(200, PAGES[path].encode(), "text/html; charset=utf-8")
        elif path == "/statement.csv":
            self._send(200, b"date,amount\n2026-11-02,100.00\n", "text/csv",
                       {"Content-Disposition": 'attachment; filename="statement.csv"'})
        elif path == "/logo.png":
            self._send(200, b"\x89PNG\r\n\x1a\n", "image/png")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        Handler.bodies.append(self.rfile.read(length))
        self._send(303, b"", "text/plain", {"Location": "/home"})


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def served(server: str) -> list[str]:
    """Paths the server was asked for (GET)."""
    return Handler.requests


@pytest.fixture
def posted(server: str) -> list[bytes]:
    """Bodies of the POST requests the server received."""
    return Handler.bodies


@pytest.fixture(scope="session")
def selectors_dir(tmp_path_factory: pytest.TempPathFactory, server: str) -> Path:
    folder = tmp_path_factory.mktemp("selectors")
    (folder / "testapp.yaml").write_text(SELECTORS.format(base_url=server))
    return folder


@pytest.fixture(scope="session", autouse=True)
def _one_browser() -> Iterator[None]:
    yield
    shutdown_browser()


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def ctx(tmp_path: Path, selectors_dir: Path, sink: MemorySink) -> Iterator[RunContext]:
    context = RunContext(
        "run-1", tmp_path / "run", store=sink, selectors_dir=selectors_dir, timeout_ms=3000
    )
    yield context
    context.close()
