"""A payment the bot posts is in the audit trail: data, rule, confirmation; a rerun that
finds the posting already in the ERP adds its record only when the trail lacks it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from bots.payment_posting.posting import Poster
from bots.runtime import Bot, RunContext
from bots.runtime.errors import ApplicationFailure
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


def _run(store: Store, tmp_path: Path, erp: FakeErp, portal: Any = None) -> None:
    run = store.start_run("payment-posting", {})
    with RunContext(run.id, tmp_path / str(run.id), store=store,
                    bot=Bot(name="payment-posting", version="1"),
                    backend=StoreBackend(store, "payment-posting")) as ctx:
        Poster(ctx, ctx.queue("payment-posting"), erp, portal).run()


def test_posting_is_audited_once(store: Store, tmp_path: Path) -> None:
    erp = FakeErp()
    store.ensure_queue("payment-posting")
    first = store.add_item("payment-posting", "NWB-1", PAYLOAD)
    _run(store, tmp_path, erp)
    # an earlier run posted this one and was killed before its audit record
    erp.posted["NWB-1-again"] = "RCPT-OLD"
    again = store.add_item("payment-posting", "NWB-1-again", PAYLOAD)
    _run(store, tmp_path, erp)

    assert first and again
    assert store.get_item(first.id).state == store.get_item(again.id).state == "successful"
    found, r = store.list_audit(action="payment.post")  # newest first
    assert r.actor == "bot:payment-posting" and r.target == f"item:{first.id}"
    assert r.details["bank_reference"] == "NWB-1" and r.details["amount"] == "1250.00"
    assert r.details["customer"] == "C-100" and r.details["confirmation"] == "RCPT-1"
    assert r.details["rule"] == "exact invoice reference"
    assert r.details["allocations"] == PAYLOAD["allocations"]
    assert "found_already_posted" not in r.details
    assert found.target == f"item:{again.id}" and found.details["confirmation"] == "RCPT-OLD"
    assert found.details["found_already_posted"] is True
    assert found.details["bank_reference"] == "NWB-1-again"
    assert store.verify_audit() == []


class PortalDownOnce:
    """A billing portal that fails the first update (a technical failure after posting)."""

    def __init__(self) -> None:
        self.calls = 0

    def set_status(self, invoice_number: str, status: str, note: str) -> None:
        self.calls += 1
        if self.calls == 1:
            raise ApplicationFailure("PORTAL_DOWN", "the portal answered 503")


def test_a_retry_that_finds_its_own_posting_adds_no_second_record(
    store: Store, tmp_path: Path
) -> None:
    erp, portal = FakeErp(), PortalDownOnce()
    store.ensure_queue("payment-posting")
    store.add_item("payment-posting", "NWB-7", PAYLOAD)

    _run(store, tmp_path, erp, portal)  # posts, audits, fails at the portal; retried at once

    items = store.list_items("payment-posting", reference="NWB-7")
    assert [i.state for i in items] == ["retried", "successful"]
    assert items[1].output["already_posted"] is True
    assert erp.posted == {"NWB-7": "RCPT-1"}
    [record] = store.list_audit(action="payment.post")
    assert record.details["confirmation"] == "RCPT-1"
    assert record.target == f"item:{items[0].id}"
