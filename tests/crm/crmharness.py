"""The crm-sync tests' helpers: the session's service desk as a test sees it, and a home
(store, vault, runs) in which the crm-sync bot runs in this process as a robot runs it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bots.crm_sync import BOT
from bots.runtime import RunContext
from bots.runtime.finance_events import FINANCE_EVENT, event_key
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.crm.users import SYNC_PASSWORD, SYNC_USER

#: when the test's events happened
DAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@dataclass
class Desk:
    url: str

    def client(self, user: str = SYNC_USER, password: str = SYNC_PASSWORD) -> httpx.Client:
        """A signed-in client of the desk's pages."""
        client = httpx.Client(base_url=self.url, follow_redirects=True, timeout=30)
        client.post("/crm/login", data={"username": user, "password": password})
        return client

    def faults(self, **knobs: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/_sandbox/faults", json=knobs, timeout=30)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def reset(self) -> None:
        self.faults(clear=True)
        httpx.post(f"{self.url}/_sandbox/reset", json={}, timeout=60).raise_for_status()

    def truth(self) -> dict[str, Any]:
        result: dict[str, Any] = httpx.get(f"{self.url}/_sandbox/truth", timeout=30).json()
        return result

    def account(self, customer_id: str) -> dict[str, Any]:
        return next(a for a in self.truth()["accounts"] if a["customer_id"] == customer_id)


@dataclass
class CrmHome:
    """A store, a vault and the runs folder of the crm-sync bot's runs."""

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

    def event(self, type_: str, customer_id: str, reference: str, summary: str, *,
              minutes: int = 0, amount: str | None = None, by: str = "payment-posting",
              **data: Any) -> str:
        """Write a finance event into the store as another bot would; returns its key."""
        key = event_key(type_, reference)
        self.store.put_record(by, FINANCE_EVENT, key, {
            "type": type_, "occurred_at": (DAY + dt.timedelta(minutes=minutes)).isoformat(),
            "summary": summary, "amount": None if amount is None else str(Decimal(amount)),
            "currency": "EUR" if amount is not None else None, "document": None,
            "invoice_numbers": [], "case_id": None, "status_after": None, **data},
            customer_id=customer_id, run_id=None)
        return key
