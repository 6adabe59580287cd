"""Credit fixtures: the legacy ERP served in a thread (no page slowness), a store and a
vault of the module's own (``credit_home``), in which ``credit_home.run()`` runs the credit
bot in this process (the test process's one Playwright driver)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from creditharness import CreditHome, Erp

from bots.credit import BOT
from bots.runtime.vault import Vault
from orchestrator.store import Store
from sandbox.erp.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app


@pytest.fixture(scope="session")
def credit_erp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Erp]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield Erp(url)


@pytest.fixture(scope="module")
def credit_home(tmp_path_factory: pytest.TempPathFactory, credit_erp: Erp
                ) -> Iterator[CreditHome]:
    """A fresh store and vault for the module, the ERP reset, the bot pointed at it."""
    tmp = tmp_path_factory.mktemp("credit")
    credit_erp.reset()
    store = Store(f"sqlite:///{tmp / 'finbots.db'}")
    store.approval_threshold = Decimal("100.00")
    store.register_bot(BOT.name, BOT.version, "", ())
    vault = Vault(tmp / "vault.enc", Fernet.generate_key())
    vault.set("legacy_erp/credit", {"username": CREDENTIALS.credit_username,
                                    "password": CREDENTIALS.credit_password})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_LEGACY_ERP_URL", credit_erp.url)
        mp.setenv("FINBOTS_RUNS_DIR", str(tmp / "runs"))
        yield CreditHome(store, vault, tmp / "runs")
    store.close()
