"""The collections bot against the session's sandbox (legacy ERP and mail server) in
Chromium: exactly the expected reminders in the customers' mailboxes (none for disputed,
promised or already-paid items, nor for a customer whose payment waits in an open
payment-posting case), the ERP's notes and dunning block, the collector's case, the skips
with their reasons, account snapshots, ``finbots sandbox check`` clean, all through an ERP
session expiring mid-run and a mail outage; a rerun sends and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sandboxharness import Sandbox

from bots.collections import BOT
from bots.runtime import Bot, BusinessFailure, QueueSpec, RunContext
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.collections_check import compare_collections
from sandbox.collections_scenario import build_month
from sandbox.credentials import store_sandbox_credentials
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.mail.check import compare_mail
from sandbox.scenario import build_scenario

MONTH = build_month(build_scenario())
POSTER = Bot(name="payment-posting", version="1.0", queues=(QueueSpec("payments"),))


def _ref(message: dict[str, Any]) -> str:
    return {k.lower(): v for k, v in message["headers"].items()}.get("x-finbots-reference", "")


@dataclass
class World:
    sandbox: Sandbox
    store: Store
    vault: Vault
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
        return self.sandbox.truth("legacy_erp")

    def reminders(self) -> list[dict[str, Any]]:
        """Messages in customers' mailboxes that carry a reminder's reference."""
        boxes = self.sandbox.truth("sandbox_mail")["mailboxes"]
        return [dict(m, mailbox=box) for box, msgs in boxes.items() for m in msgs
                if box != FINANCE_MAILBOX and _ref(m).startswith("DUN-")]

    def check(self) -> list[str]:
        """What ``finbots sandbox check`` says about the month (the ERP's notes and blocks,
        the mailboxes); the payment-posting bot's part is not run here."""
        mail = self.sandbox.truth("sandbox_mail")
        scenario = build_scenario()
        return compare_collections(self.erp(), mail, scenario) + compare_mail(mail, scenario)


@pytest.fixture
def world(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    sandbox.reset()
    sandbox.post("sandbox_mail", "/_sandbox/faults", {"clear": True})
    sandbox.post("sandbox_mail", "/_sandbox/reset")
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("FINBOTS_LEGACY_ERP_URL", sandbox.urls["legacy_erp"])
    monkeypatch.setenv("FINBOTS_SANDBOX_MAIL_URL", sandbox.urls["sandbox_mail"])
    monkeypatch.setenv("FINBOTS_TIMEOUT_MS", "10000")
    vault = Vault()
    store_sandbox_credentials(vault)
    store = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    for bot in (BOT, POSTER):
        store.register_bot(bot.name, bot.version, "", ())
    _payment_in_a_case(store, tmp_path)
    yield World(sandbox, store, vault, tmp_path)
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


def _reminder_notes(erp: dict[str, Any]) -> dict[str, str]:
    return {n["reference"]: n["customer_id"] for n in erp["collection_notes"]
            if n["note_type"] == "reminder" and n["reference"]}


def test_one_run_reminds_exactly_whom_the_month_expects(world: World) -> None:
    assert world.check() == []  # before the run: nothing to compare yet
    # the ERP session expires every 25 requests and the mail server refuses connections
    # for a few seconds: the run signs on again, waits, and still sends each reminder once
    world.sandbox.faults("legacy_erp", session_expiry_requests=25)
    world.sandbox.faults("sandbox_mail", outage_s=3)
    run_id, result = world.run()
    assert sorted(result["sent"]) == sorted(r.reference for r in MONTH.reminders)
    sent = {_ref(m): m for m in world.reminders()}
    assert len(sent) == len(world.reminders())  # each once
    assert {ref: m["mailbox"] for ref, m in sent.items()} == \
        {r.reference: r.to for r in MONTH.reminders}
    assert result["skipped"] == MONTH.skipped
    # German customers get the German template, from level 2 on the statement as PDF
    assert sent["DUN-C2001-L1-20261120"]["subject"].startswith("Zahlungserinnerung")
    assert sent["DUN-C2002-L2-20261120"]["attachments"] == ["statement_C2002_20261120.pdf"]
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
    reminded = {inv for s in steps if s.action == "send reminder" for inv in s.data["invoices"]}
    assert not {d.invoice_number for d in MONTH.disputes} & reminded
    snap = world.store.get_record("account_snapshot", "C2003")
    assert snap is not None and snap.data["dunning_level"] == 3
    assert snap.data["buckets"]["61-90"] == "6420.00" and snap.data["oldest_days"] == 75
    assert world.check() == []

    # a rerun the same day sends nothing and changes nothing in the ERP
    world.sandbox.faults("legacy_erp", clear=True)
    before = world.erp()
    _, again = world.run(as_of=dt.date(2026, 11, 20))
    assert again["sent"] == [] and len(world.reminders()) == len(MONTH.reminders)
    after = world.erp()
    assert after["collection_notes"] == before["collection_notes"]
    assert after["customer_master"] == before["customer_master"]
    assert world.check() == []
