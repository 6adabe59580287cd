"""End-to-end fixtures: an isolated finbots home (store, vault, runs) on the session's
sandbox targets (the ``sandbox`` fixture of tests/conftest.py) and helpers to run the bot in
or out of process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sandboxharness import Sandbox

from bots.runtime.vault import Vault
from orchestrator.store import Store
from sandbox.credentials import store_sandbox_credentials

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Home:
    """An isolated finbots installation: FINBOTS_HOME, its store and vault, its env."""

    path: Path
    env: dict[str, str]

    @property
    def runs(self) -> Path:
        return self.path / "runs"

    def store(self) -> Store:
        return Store(self.env["FINBOTS_DB_URL"])

    def finbots(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orchestrator.cli", *args], cwd=REPO,
                              env=self.env, capture_output=True, text=True, timeout=timeout)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "orchestrator.cli", *args], cwd=REPO,
                                env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)


def new_home(path: Path, sandbox: Sandbox, mp: pytest.MonkeyPatch) -> Home:
    """A finbots home under ``path``, its variables set through ``mp``, the sandbox
    reseeded, the vault holding its logins."""
    sandbox.reset()
    env = {
        "FINBOTS_HOME": str(path),
        "FINBOTS_DB_URL": f"sqlite:///{path / 'data' / 'finbots.db'}",
        "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
        "FINBOTS_TIMEOUT_MS": "10000",
        **{f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()},
    }
    for key, value in env.items():
        mp.setenv(key, value)
    (path / "runs").mkdir()
    store_sandbox_credentials(Vault())
    return Home(path, {**os.environ, **env})


@pytest.fixture
def home(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A fresh home per test, the sandbox reseeded, the vault holding its logins."""
    return new_home(tmp_path, sandbox, monkeypatch)


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox) -> Iterator[Home]:
    """One home for the tests of a module that read the same bot run (the sandbox is
    reseeded once, when the first of them starts: they run before the module's tests that
    take a fresh ``home``)."""
    with pytest.MonkeyPatch.context() as mp:
        yield new_home(tmp_path_factory.mktemp("home"), sandbox, mp)
