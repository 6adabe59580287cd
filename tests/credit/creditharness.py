"""The credit tests' helpers: the ERP sandbox as a test sees it, and a home (store, vault,
runs) in which the credit bot runs in this process as the orchestrator runs it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bots.credit import BOT
from bots.runtime import RunContext
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.scenario import CREDENTIALS


@dataclass
class Erp:
    url: str

    def client(self) -> httpx.Client:
        """A signed-on client of the ERP's pages."""
        client = httpx.Client(base_url=self.url, follow_redirects=True, timeout=10)
        client.post("/ar/login.do", data={"userid": CREDENTIALS.erp_username,
                                          "password": CREDENTIALS.erp_password})
        return client

    def faults(self, **knobs: Any) -> None:
        httpx.post(f"{self.url}/_sandbox/faults", json=knobs, timeout=10).raise_for_status()

    def reset(self) -> None:
        self.faults(clear=True)
        httpx.post(f"{self.url}/_sandbox/reset", json={}, timeout=10).raise_for_status()

    def truth(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/_sandbox/truth", timeout=10).json()

    def orders(self) -> dict[str, dict[str, Any]]:
        return {o["order_number"]: o for o in self.truth()["sales_orders"]}


@dataclass
class CreditHome:
    """A store, a vault and the runs folder of the credit bot's runs."""

    store: Store
    vault: Vault
    runs: Path

    def run(self, **args: Any) -> dict[str, Any]:
        run = self.store.start_run(BOT.name, args, "test-host", 1)
        with RunContext(run.id, self.runs / str(run.id), bot=BOT, store=self.store,
                        backend=StoreBackend(self.store, BOT.name), vault=self.vault,
                        args=args, batch_steps=True) as ctx:  # as a robot runs a job
            result: dict[str, Any] = BOT.run(ctx)
        return result


