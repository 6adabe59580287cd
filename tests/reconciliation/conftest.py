"""One payment-posting run of the sandbox's statement day on a home of its own (store,
vault, runs folder), read by the reconciliation tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bots.runtime.vault import Vault
from orchestrator.runner import RunOutcome, run_bot
from orchestrator.store import Store
from sandbox.credentials import store_sandbox_credentials
from sandbox.scenario import STATEMENT_DATE

REPO = Path(__file__).resolve().parents[2]
DAY = {"date": STATEMENT_DATE.isoformat()}


@dataclass
class DayRun:
    env: dict[str, str]
    outcome: RunOutcome
    postings: list[dict[str, Any]]  # the ERP's, right after the run

    def store(self) -> Store:
        return Store(self.env["FINBOTS_DB_URL"])

    def finbots(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orchestrator.cli", *args], cwd=REPO,
                              env=self.env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def day_run(tmp_path_factory: pytest.TempPathFactory, sandbox: Any) -> Iterator[DayRun]:
    """The day's statement posted once on a fresh home and a reseeded sandbox."""
    path = tmp_path_factory.mktemp("home")
    sandbox.reset()
    env = {"FINBOTS_HOME": str(path),
           "FINBOTS_DB_URL": f"sqlite:///{path / 'data' / 'finbots.db'}",
           "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
           "FINBOTS_TIMEOUT_MS": "10000",
           **{f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()}}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        (path / "runs").mkdir()
        store_sandbox_credentials(Vault())
        outcome = run_bot("payment-posting", DAY)
        assert outcome.status == "successful", outcome.error
        yield DayRun({**os.environ, **env}, outcome, sandbox.postings())
