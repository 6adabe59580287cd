"""The collections bot against the real legacy ERP sandbox in Chromium: exactly the
expected reminders (none for disputed, promised or already-paid items, nor for a customer
whose payment waits in an open payment-posting case), the ERP's notes and dunning block,
the collector's case, the skips with their reasons, account snapshots, all through an ERP
session expiring mid-run and a mail outage; a rerun sends and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bots.collections import BOT
from bots.collections import bot as collections_bot
from bots.runtime import ApplicationFailure, Bot, BusinessFailure, QueueSpec, RunContext
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.collections_scenario import build_month
from sandbox.credentials import VAULT_ENTRIES
from sandbox.erp.app import create_app
from sandbox.scenario import build_scenario
from sandbox.serve import serve_app

MONTH = build_month(build_scenario())
POSTER = Bot(name="payment-posting", version="1.0", queues=(QueueSpec("payments"),))


@dataclass
class FakeMailbox:
    """Stands in for the finance mailbox: a Sent folder, and an outage for N sends."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    refuse: int = 0

    def send(self, to: str, subject: str, text: str, *, html: str | None = None,
             attachments: list[tuple[str, bytes, str]] | None = None,
             reference: str | None = None, in_reply_to: str | None = None) -> str:
        if self.refuse:
            self.refuse -= 1
            raise ApplicationFailure("MAIL_UNAVAILABLE", "connection refused")
        mid = f"<{len(self.sent) + 1}@northwind.example>"
        self.sent.append({"to": to, "subject": subject, "text": text, "reference": reference,
                          "attachments": [(n, b) for n, b, _ in attachments or []],
                          "message_id": mid})
        return mid

    def sent_with_reference(self, reference: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["reference"] == reference]


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


@dataclass
class World:
    erp_url: str
    store: Store
    vault: Vault
    mailbox: FakeMailbox
    home: Path

    def run(self, **args: Any) -> tuple[int, Any]:
        run = self.store.start_run(BOT.name, args, "host", 1)
        assert run.id is not None
        with RunContext(run.id, self.home / "runs" / str(run.id), bot=BOT, store=self.store,
                        backend=StoreBackend(self.store, BOT.name), vault=self.vault,
                        args=args) as ctx:
            result = BOT.run(ctx)
        return run.id, result

    def erp(self) -> dict[str, Any]:
        return httpx.get(f"{self.erp_url}/_sandbox/truth", timeout=10).json()

    def faults(self, **knobs: Any) -> None:
        httpx.post(f"{self.erp_url}/_sandbox/faults", json=knobs,
                   timeout=10).raise_for_status()


@pytest.fixture
def world(erp_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    httpx.post(f"{erp_url}/_sandbox/faults", json={"clear": True}).raise_for_status()
    httpx.post(f"{erp_url}/_sandbox/reset").raise_for_status()
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("FINBOTS_LEGACY_ERP_URL", erp_url)
    monkeypatch.setenv("FINBOTS_TIMEOUT_MS", "10000")
    vault = Vault()
    vault.set("legacy_erp/collections", VAULT_ENTRIES["legacy_erp/collections"])
    mailbox = FakeMailbox()
    monkeypatch.setattr(collections_bot, "open_mailbox", lambda ctx, name: mailbox)
    store = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    for bot in (BOT, POSTER):
        store.register_bot(bot.name, bot.version, "", ())
    _payment_in_a_case(store, tmp_path)
    yield World(erp_url, store, vault, mailbox, tmp_path)
    store.close()


def _payment_in_a_case(store: Store, tmp_path: Path) -> None:
    """Today's payment of Fjord Marine (P07, two invoices of its amount) left as the
    payment-posting bot leaves it: an open AMBIGUOUS case of the customer."""
    run = store.start_run(POSTER.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "pp", bot=POSTER, store=store,
                    backend=StoreBackend(store, POSTER.name)) as ctx:
        q = ctx.queue("payments")
        q.add("NWB2026112000007", {"customer_id": "C1006", "amount": "2000.00"})
        for item in q.items():
            with item:
                raise BusinessFailure("AMBIGUOUS", "two open invoices of 2000.00",
                                      amount=Decimal("2000.00"), customer="C1006")


def _expected_sent() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {r.reference: (r.to, r.invoices) for r in MONTH.reminders}


def _reminder_notes(erp: dict[str, Any]) -> dict[str, str]:
    return {n["reference"]: n["customer_id"] for n in erp["collection_notes"]
            if n["note_type"] == "reminder" and n["reference"]}


def test_one_run_reminds_exactly_whom_the_month_expects(world: World) -> None:
    # the ERP session expires every 25 requests and the mail server refuses two sends:
    # the run signs on again, retries, and still sends each reminder once
    world.faults(session_expiry_requests=25)
    world.mailbox.refuse = 2
    run_id, result = world.run()
    assert sorted(result["sent"]) == sorted(r.reference for r in MONTH.reminders)
    refs = [m["reference"] for m in world.mailbox.sent]
    assert sorted(refs) == sorted(set(refs))
    sent = {m["reference"]: m for m in world.mailbox.sent}
    assert {ref: (m["to"], tuple(sorted(i for i in _expected_sent()[ref][1]
                                        if i in m["text"]))) for ref, m in sent.items()} == \
        {ref: (to, tuple(sorted(inv))) for ref, (to, inv) in _expected_sent().items()}
    for m in sent.values():  # held-back invoices never appear in a reminder
        for d in MONTH.disputes:
            assert d.invoice_number not in m["text"]
    assert result["skipped"] == MONTH.skipped
    # German customers get the German template, level 2+ the statement as PDF
    assert sent["DUN-C2001-L1-20261120"]["subject"].startswith("Zahlungserinnerung")
    assert "1.847,35 EUR" in sent["DUN-C2001-L1-20261120"]["text"]
    [(name, pdf)] = sent["DUN-C2002-L2-20261120"]["attachments"]
    assert name == "statement_C2002_20261120.pdf" and pdf.startswith(b"%PDF")
    assert sent["DUN-C2001-L1-20261120"]["attachments"] == []
    erp = world.erp()
    assert _reminder_notes(erp) == {r.reference: r.customer_id for r in MONTH.reminders}
    blocked = {m["customer_id"] for m in erp["customer_master"] if m["dunning_block"]}
    assert blocked == {"C2004", *MONTH.dunning_blocks_set}
    [case] = world.store.find_cases(bot="collections")
    assert (case.reason_code, case.customer_id, case.amount) == (
        "COLLECTOR_FOLLOW_UP", "C2003", Decimal("7400.45"))
    steps = world.store.list_steps(run_id)
    skips = {s.data["customer_id"]: s.data["reason"] for s in steps
             if s.action == "skip customer"}
    assert skips == MONTH.skipped
    held = {s.data["invoice"] for s in steps if s.action == "skip item"}
    assert {"INV-2026-1107", "INV-2026-1114", "INV-2026-1109"} <= held
    snap = world.store.get_record("account_snapshot", "C2003")
    assert snap is not None and snap.data["dunning_level"] == 3
    assert snap.data["buckets"]["61-90"] == "6420.00" and snap.data["oldest_days"] == 75

    # a rerun the same day sends nothing and changes nothing in the ERP
    world.faults(clear=True)
    before = world.erp()
    _, again = world.run(as_of=dt.date(2026, 11, 20))
    assert len(world.mailbox.sent) == len(MONTH.reminders) and again["sent"] == []
    assert world.erp()["collection_notes"] == before["collection_notes"]
    assert world.erp()["customer_master"] == before["customer_master"]
