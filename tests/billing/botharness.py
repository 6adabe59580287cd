"""The billing bot's tests' helpers: a home (store, vault, runs) in which the
billing-validation bot runs in this process as a robot runs it, against the session's
sandbox (its billing portal and ERP), and the portal as a test reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sandboxharness import Sandbox

from bots.billing import BOT
from bots.runtime import RunContext
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.credentials import VAULT_ENTRIES

__all__ = ["BillingHome", "Portal", "billing_home"]

LOGINS = ("billing_portal/billing", "legacy_erp/billing")


@dataclass
class Portal:
    """The billing portal's ground truth and files, as a test reads them."""

    sandbox: Sandbox

    @property
    def url(self) -> str:
        return self.sandbox.urls["billing_portal"]

    def truth(self) -> dict[str, Any]:
        return dict(self.sandbox.truth("billing_portal")["billing"])

    def invoices(self) -> dict[str, dict[str, Any]]:
        return {i["number"]: i for i in self.truth()["invoices"]}

    def einvoice(self, number: str) -> bytes:
        fields = VAULT_ENTRIES["billing_portal/billing"]
        with httpx.Client(base_url=self.url, follow_redirects=True, timeout=30) as client:
            client.post("/billing/login", data={"username": fields["username"],
                                                "password": fields["password"]})
            got = client.get(f"/billing/drafts/{number}/einvoice.xml")
            got.raise_for_status()
            return got.content


@dataclass
class BillingHome:
    """A store, a vault and the runs folder of the billing bot's runs."""

    store: Store
    vault: Vault
    runs: Path

    def run(self, **args: Any) -> dict[str, Any]:
        run = self.store.start_run(BOT.name, args, "test-host", 1)
        with RunContext(run.id, self.runs / str(run.id), bot=BOT, store=self.store,
                        backend=StoreBackend(self.store, BOT.name), vault=self.vault,
                        args=args, batch_steps=True) as ctx:
            result: dict[str, Any] = BOT.run(ctx)
        return result


@contextmanager
def billing_home(tmp: Path, sandbox: Sandbox, *,
                 approval_threshold: str = "100.00") -> Iterator[BillingHome]:
    """A fresh store and vault, the sandbox reseeded, the bot pointed at its targets."""
    sandbox.reset()
    store = Store(f"sqlite:///{tmp / 'finbots.db'}")
    store.approval_threshold = Decimal(approval_threshold)
    store.register_bot(BOT.name, BOT.version, "", ())
    vault = Vault(tmp / "vault.enc", Fernet.generate_key())
    for name in LOGINS:
        vault.set(name, VAULT_ENTRIES[name])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_BILLING_PORTAL_URL", sandbox.urls["billing_portal"])
        mp.setenv("FINBOTS_LEGACY_ERP_URL", sandbox.urls["legacy_erp"])
        mp.setenv("FINBOTS_RUNS_DIR", str(tmp / "runs"))
        mp.setenv("FINBOTS_TIMEOUT_MS", "15000")
        try:
            yield BillingHome(store, vault, tmp / "runs")
        finally:
            store.close()
