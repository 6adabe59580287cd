"""A payment the bot posts is in the audit trail: data, rule, confirmation; a rerun that
finds the posting already there adds nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from bots.payment_posting.posting import Poster
from bots.runtime import Bot, RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store


class FakeErp:
    name = "legacy_erp"

    def __init__(self) -> None:
        self.posted: dict[str, str] = {}

    def recover(self) -> None:
        pass

    def export_open_items(self) -> Path:
        raise NotImplementedError

    def find_postings(self, bank_reference: str) -> list[str]:
        return [self.posted[bank_reference]] if bank_reference in self.posted else []

    def show_payment(self, bank_reference: str) -> str:
        return bank_reference

    def post_receipt(self, *, customer_id: str, value_date: dt.date, bank_reference: str,
                     amount: Decimal, allocations: Sequence[dict[str, str]]) -> str:
        self.posted[bank_reference] = f"RCPT-{len(self.posted) + 1}"
        return self.posted[bank_reference]


PAYLOAD = {"decision": "post", "customer_id": "C-100", "rule": "exact invoice reference",
           "confidence": 1.0, "partial": False,
           "entry": {"amount": "1250.00", "currency": "EUR", "value_date": "2026-03-12"},
           "allocations": [{"invoice_number": "INV-1", "amount": "1250.00"}]}


def test_posting_is_audited_once(store: Store, tmp_path: Path) -> None:
    erp = FakeErp()
    for rerun in (False, True):
        run = store.start_run("payment-posting", {})
        store.ensure_queue("payment-posting")
        item = store.add_item("payment-posting", "NWB-1" if not rerun else "NWB-1-again",
                              PAYLOAD)
        if rerun:
            erp.posted["NWB-1-again"] = "RCPT-OLD"
        with RunContext(run.id, tmp_path / str(run.id), store=store,
                        bot=Bot(name="payment-posting", version="1"),
                        backend=StoreBackend(store, "payment-posting")) as ctx:
            Poster(ctx, ctx.queue("payment-posting"), erp, None).run()
        assert store.get_item(item.id).state == "successful"
    records = store.list_audit(action="payment.post")
    assert len(records) == 1
    r = records[0]
    assert r.actor == "bot:payment-posting" and r.target.startswith("item:")
    assert r.details["bank_reference"] == "NWB-1" and r.details["amount"] == "1250.00"
    assert r.details["customer"] == "C-100" and r.details["confirmation"] == "RCPT-1"
    assert r.details["rule"] == "exact invoice reference"
    assert r.details["allocations"] == PAYLOAD["allocations"]
    assert store.verify_audit() == []
