"""Sandbox fixtures: targets served by uvicorn in a thread on a free loopback port.

``serve(app) -> base_url`` serves any ASGI app until the test ends (for the ERP and portal
tests too); ``bank`` is the sandbox bank, reset and with default fault knobs for each test;
``bank_login(client)`` logs an httpx client in (password, then TOTP).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp
import pytest

from sandbox.bank.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app


@dataclass
class Target:
    url: str
    app: Any

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=True, timeout=10)

    def faults(self, **knobs: Any) -> dict[str, Any]:
        return httpx.post(f"{self.url}/_sandbox/faults", json=knobs, timeout=10).json()

    def truth(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sandbox/truth", timeout=10).json()

    def reset(self, extra_exact: int = 0) -> None:
        httpx.post(f"{self.url}/_sandbox/reset", json={"extra_exact": extra_exact}, timeout=10)


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Serve ASGI apps for the duration of the test: ``url = serve(app)``."""
    with contextlib.ExitStack() as stack:
        yield lambda app: stack.enter_context(serve_app(app))


@pytest.fixture(scope="session")
def bank_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    app = create_app(tmp_path_factory.mktemp("bank") / "bank.db", build_scenario())
    with serve_app(app) as url:
        yield Target(url, app)


@pytest.fixture
def bank(bank_server: Target) -> Target:
    bank_server.faults(clear=True)
    bank_server.reset()
    return bank_server


def login(client: httpx.Client, code: str | None = None) -> httpx.Response:
    """Log in with the scenario credentials; ``code`` overrides the current TOTP code."""
    client.post("/login", data={"username": CREDENTIALS.bank_username,
                                "password": CREDENTIALS.bank_password})
    totp = code or pyotp.TOTP(CREDENTIALS.bank_totp_seed).now()
    return client.post("/login/mfa", data={"otp": totp})


@pytest.fixture
def bank_login() -> Callable[..., httpx.Response]:
    return login
