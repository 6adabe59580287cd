"""The refunds tests' helpers: the ERP and the bank as a test sees them (signed-on page
clients, ground truth), and a home (store, vault, runs) in which the refunds bot runs in
this process as a robot runs it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sandbox.scenario import CREDENTIALS


@dataclass
class Targets:
    erp_url: str
    bank_url: str

    def erp(self, username: str = CREDENTIALS.erp_username,
            password: str = CREDENTIALS.erp_password) -> httpx.Client:
        """A client signed on to the ERP's pages (the cash-application clerk by default)."""
        client = httpx.Client(base_url=self.erp_url, follow_redirects=True, timeout=10)
        client.post("/ar/login.do", data={"userid": username, "password": password})
        return client

    def reset(self) -> None:
        for url in (self.erp_url, self.bank_url):
            httpx.post(f"{url}/_sandbox/faults", json={"clear": True},
                       timeout=10).raise_for_status()
            httpx.post(f"{url}/_sandbox/reset", json={}, timeout=10).raise_for_status()

    def erp_truth(self) -> dict[str, Any]:
        return httpx.get(f"{self.erp_url}/_sandbox/truth", timeout=10).json()

    def transfers(self) -> list[dict[str, Any]]:
        truth = httpx.get(f"{self.bank_url}/_sandbox/truth", timeout=10).json()
        return list(truth["transfers"])

    def invoice_open(self, number: str) -> str:
        return next(i["amount_open"] for i in self.erp_truth()["invoices"]
                    if i["invoice_number"] == number)


@dataclass
class RefundsHome:
    """A store, a vault and the runs folder in which the refunds bot runs as a robot runs
    it (in this process: the test process's one Playwright driver)."""

    store: Any
    vault: Any
    runs: Path

    def run(self, **args: Any) -> dict[str, Any]:
        from bots.refunds import BOT
        from bots.runtime import RunContext
        from orchestrator.bot_backend import StoreBackend

        run = self.store.start_run(BOT.name, args, "test-host", 1)
        with RunContext(run.id, self.runs / str(run.id), bot=BOT, store=self.store,
                        backend=StoreBackend(self.store, BOT.name), vault=self.vault,
                        args=args, batch_steps=True) as ctx:
            result: dict[str, Any] = BOT.run(ctx)
        return result
