"""End-to-end fixtures: the three sandbox targets in their own process on free ports, an
isolated finbots home (store, vault, runs) and helpers to run the bot in or out of process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bots.runtime.vault import Vault
from orchestrator.store import Store
from sandbox.background import running_on_free_ports
from sandbox.credentials import store_sandbox_credentials

REPO = Path(__file__).resolve().parents[2]
APPS = ("sandbox_bank", "legacy_erp", "billing_portal")


@dataclass
class Sandbox:
    urls: dict[str, str]

    def post(self, app: str, path: str, body: dict[str, Any] | None = None) -> None:
        httpx.post(f"{self.urls[app]}{path}", json=body or {}, timeout=30).raise_for_status()

    def reset(self) -> None:
        for app in APPS:
            self.post(app, "/_sandbox/faults", {"clear": True})
            self.post(app, "/_sandbox/reset")

    def faults(self, app: str, **knobs: Any) -> None:
        self.post(app, "/_sandbox/faults", knobs)

    def truth(self, app: str) -> dict[str, Any]:
        return httpx.get(f"{self.urls[app]}/_sandbox/truth", timeout=30).json()

    def check(self) -> list[str]:
        """Differences between the targets and the scenario's expected outcome."""
        from sandbox.check import run_check

        return run_check(*(self.urls[app] for app in APPS))

    def postings(self) -> list[dict[str, Any]]:
        return list(self.truth("legacy_erp")["postings"])


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    env = {"FINBOTS_ERP_SLOW_MS": "20-60", "FINBOTS_PORTAL_DELAY_MS": "50-150"}
    with running_on_free_ports(tmp_path_factory.mktemp("sandbox"), env) as urls:
        yield Sandbox(urls)


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


@pytest.fixture
def home(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A fresh home per test, the sandbox reseeded, the vault holding its logins."""
    sandbox.reset()
    env = {
        "FINBOTS_HOME": str(tmp_path),
        "FINBOTS_DB_URL": f"sqlite:///{tmp_path / 'data' / 'finbots.db'}",
        "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
        "FINBOTS_TIMEOUT_MS": "10000",
        **{f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()},
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "runs").mkdir()
    store_sandbox_credentials(Vault())
    return Home(tmp_path, {**os.environ, **env})
