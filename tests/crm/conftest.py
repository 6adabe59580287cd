"""Service-desk fixtures: the session sandbox's desk (reset for each module) and a store
and vault of the module's own (``crm_home``) in which ``crm_home.run()`` runs the crm-sync
bot in this process (the test process's one Playwright driver)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from crmharness import CrmHome, Desk
from sandboxharness import Sandbox

from bots.crm_sync import BOT
from bots.runtime.vault import Vault
from orchestrator.store import Store
from sandbox.crm.users import SYNC_PASSWORD, SYNC_USER


@pytest.fixture(scope="module")
def desk(sandbox: Sandbox) -> Desk:
    """The session's service desk, reset (seed data, no faults) for the module."""
    found = Desk(sandbox.urls["service_desk"])
    found.reset()
    return found


@pytest.fixture(scope="module")
def crm_home(tmp_path_factory: pytest.TempPathFactory, desk: Desk) -> Iterator[CrmHome]:
    tmp = tmp_path_factory.mktemp("crm")
    store = Store(f"sqlite:///{tmp / 'finbots.db'}")
    store.register_bot(BOT.name, BOT.version, "", ())
    vault = Vault(tmp / "vault.enc", Fernet.generate_key())
    vault.set("service_desk/crm-sync", {"username": SYNC_USER, "password": SYNC_PASSWORD},
              bots=["crm-sync"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_SERVICE_DESK_URL", desk.url)
        mp.setenv("FINBOTS_RUNS_DIR", str(tmp / "runs"))
        yield CrmHome(store, vault, tmp / "runs")
    store.close()
