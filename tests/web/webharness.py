"""The web test harness: a live orchestrator, seeded users, signing in, API clients.

The server is a real ``uvicorn`` in its own process (its own ``FINBOTS_HOME``, a SQLite
store in a temporary folder), started once per test process and shared by every folder
that uses it (``tests/web``, ``tests/inbox``, ...). Tests seed data through
:attr:`LiveServer.store`, a :class:`Store` on the same database file.

One user per role: the username is the role's name (``support``, ``operator``, ...), the
password :data:`PASSWORD`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Browser, BrowserContext, Page

from orchestrator.auth import service as accounts
from orchestrator.roles import Role
from orchestrator.store import Store
from orchestrator.store.audit_anchor import ENV_HEAD_FILE, checkpoint_path
from orchestrator.store.audit_key import ENV_KEY, ENV_KEY_FILE, audit_key_path, create_audit_key

__all__ = [
    "PASSWORD",
    "USER_ROLES",
    "VIEWPORT",
    "LiveServer",
    "api",
    "api_client",
    "live_server",
    "login",
    "new_context",
    "page",
    "page_as",
    "seed_users",
    "shared_server",
    "stop_shared_server",
    "users",
]

REPO = Path(__file__).resolve().parents[2]
#: The web tests' own bots (``web-ledger``), found through ``FINBOTS_BOTS_PATH``.
WEB_BOTS = Path(__file__).resolve().parent / "webbots"
PASSWORD = "Finbots-web-test-2024!"
#: Every role a person can hold (the robot role is for tokens only).
USER_ROLES: tuple[str, ...] = tuple(r.value for r in Role if r is not Role.ROBOT)
VIEWPORT = {"width": 1280, "height": 800}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running orchestrator: its address, home folder and a store on its database."""

    url: str
    home: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    store: Store
    log_path: Path
    _tokens: dict[str, str] = field(default_factory=dict)
    _states: dict[str, Any] = field(default_factory=dict)

    @property
    def runs(self) -> Path:
        return self.home / "runs"

    def run_dir(self, run_id: int) -> Path:
        return self.runs / str(run_id)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (for failure messages)."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def token(self, role: str) -> str:
        """A bearer token holding ``role`` (created once per server)."""
        if role not in self._tokens:
            from bots.runtime.errors import DuplicateError

            owner, kind = f"web-test-{role}", "integration"
            if role == Role.ROBOT.value:  # a robot token is owned by an administrator
                owner, kind = "web-test-admin", "robot"
            with contextlib.suppress(DuplicateError):
                accounts.add_user(self.store, owner, PASSWORD, [owner.removeprefix("web-test-")])
            _record, plain = accounts.create_token(self.store, f"web-test-{role}", [role],
                                                   kind=kind, owner=owner)
            self._tokens[role] = plain
        return self._tokens[role]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.store.close()


def start_server(base: Path, timeout: float = 120.0) -> LiveServer:
    """Start ``uvicorn orchestrator.app:create_app`` on a free port under ``base``."""
    home = base / "home"
    (home / "runs").mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{home / 'data' / 'finbots.db'}"
    env = {
        **os.environ,
        "FINBOTS_HOME": str(home),
        "FINBOTS_DB_URL": db_url,
        "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
        "FINBOTS_ACTOR": "web-test",
    }
    env.pop("FINBOTS_RUNS_DIR", None)
    if not env.get(ENV_KEY, "").strip():
        # the tests write audit records into the server's store too: one key, one head file
        create_audit_key()
        env[ENV_KEY_FILE] = str(audit_key_path())
        env.setdefault(ENV_HEAD_FILE, str(checkpoint_path()))
    folders = [str(WEB_BOTS), *os.environ.get("FINBOTS_BOTS_PATH", "").split(os.pathsep)]
    env["FINBOTS_BOTS_PATH"] = os.pathsep.join(dict.fromkeys(p for p in folders if p))
    os.environ["FINBOTS_BOTS_PATH"] = env["FINBOTS_BOTS_PATH"]  # in-process apps too
    store = Store(db_url)  # creates the tables before the server starts
    port = _free_port()
    log_path = base / "server.log"
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "orchestrator.app:create_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", home, env, proc, store, log_path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{server.url}/static/app.css", timeout=1)
            return server
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"the orchestrator did not start:\n{server.log_tail()}")
        time.sleep(0.1)


class _Shared:
    server: LiveServer | None = None


def shared_server(base: Path) -> LiveServer:
    """The process's one live server (started under ``base`` on first use)."""
    if _Shared.server is None or _Shared.server.proc.poll() is not None:
        _Shared.server = start_server(base)
    return _Shared.server


def stop_shared_server() -> None:
    """Idempotent: every folder's session fixture may call it."""
    server, _Shared.server = _Shared.server, None
    if server is not None:
        server.stop()


def seed_users(store: Store, roles: tuple[str, ...] = USER_ROLES) -> dict[str, str]:
    """One user per role (username = role name); existing users are left alone."""
    from bots.runtime.errors import DuplicateError

    for role in roles:
        with contextlib.suppress(DuplicateError):
            accounts.add_user(store, role, PASSWORD, [role],
                              display_name=role.replace("_", " ").title())
    return {role: role for role in roles}


def new_context(browser: Browser, server: LiveServer, **options: Any) -> BrowserContext:
    """A fresh browser context on the server at 1280x800."""
    options.setdefault("viewport", VIEWPORT)
    context = browser.new_context(base_url=server.url, **options)
    context.set_default_timeout(10_000)
    return context


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the ``/login`` form and wait until the app has left it."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def api_client(server: LiveServer, role: str) -> Any:
    """A ``TestClient`` on an in-process app (same database and runs folder), as ``role``.

    Bearer-token requests need no CSRF token. The app is the real one, built by
    ``create_app`` on the server's store.
    """
    from fastapi.testclient import TestClient

    from orchestrator.app import create_app

    app = server._states.get("app")
    if app is None:
        app = create_app(Store(server.env["FINBOTS_DB_URL"]))
        app.state.runs_dir = server.runs
        server._states["app"] = app
    return TestClient(app, headers={"Authorization": f"Bearer {server.token(role)}"})


# ---- fixtures (imported by each folder's conftest.py) ----

@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = shared_server(tmp_path_factory.mktemp("web"))
    yield server
    stop_shared_server()


@pytest.fixture(scope="session")
def users(live_server: LiveServer) -> dict[str, str]:
    """Role name -> username (the same), created once."""
    if not hasattr(live_server.store, "add_user"):
        pytest.skip("Store.add_user is not there yet (users and sign-in)")
    return seed_users(live_server.store)


@pytest.fixture
def page(chromium: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = new_context(chromium, live_server)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page_as(
    chromium: Browser, live_server: LiveServer, users: dict[str, str]
) -> Iterator[Callable[[str], Page]]:
    """``page_as(role)``: a new page in a new context, signed in as that role's user."""
    contexts: list[Any] = []

    def make(role: str) -> Page:
        key = f"state:{role}"
        state = live_server._states.get(key)
        context = new_context(chromium, live_server, storage_state=state)
        contexts.append(context)
        page = context.new_page()
        if state is None:
            login(page, users[role])
            live_server._states[key] = context.storage_state()
        return page

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def api(live_server: LiveServer, users: dict[str, str]) -> Callable[[str], Any]:
    """``api(role)``: a TestClient on the real app sending that role's bearer token."""
    if not hasattr(live_server.store, "create_token"):
        pytest.skip("Store.create_token is not there yet")
    return lambda role: api_client(live_server, role)
