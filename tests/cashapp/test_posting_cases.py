"""Payment posting on the SDK's in-memory backend: what a case of a payment carries, the
payment's own page as its evidence, and a person's allocation posted by the bot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from bots.payment_posting import BOT
from bots.payment_posting.intake import QUEUE
from bots.payment_posting.posting import Poster
from bots.runtime import MemoryBackend, RunContext


class FakeErp:
    """An ERP that remembers postings; its inquiry page is a file naming the reference."""

    name = "legacy_erp"
    app = "legacy_erp"

    def __init__(self, ctx: RunContext) -> None:
        self.ctx, self.showing = ctx, ""
        self.posted: dict[str, str] = {}

    def capture(self, path: Path) -> None:
        path.write_text(f"payment inquiry {self.showing}")

    def recover(self) -> None:
        pass

    def export_open_items(self) -> Path:
        raise NotImplementedError

    def _page(self, action: str, reference: str) -> None:
        self.showing = reference
        with self.ctx.recorder.step(action, app=self.app, target=self):
            pass

    def find_postings(self, bank_reference: str) -> list[str]:
        self._page("inquiry", bank_reference)
        return [self.posted[bank_reference]] if bank_reference in self.posted else []

    def show_payment(self, bank_reference: str) -> str:
        self._page("inquiry", bank_reference)
        return self.showing

    def post_receipt(self, *, customer_id: str, value_date: dt.date, bank_reference: str,
                     amount: Decimal, allocations: Sequence[dict[str, str]]) -> str:
        self.posted[bank_reference] = f"CR-{len(self.posted) + 1}"
        return self.posted[bank_reference]


ENTRY = {"bank_reference": "NWB-2", "amount": "2000.00", "currency": "EUR",
         "value_date": "2026-11-20", "booking_date": "2026-11-20",
         "counterparty_name": "Fjord Marine AS"}
STATEMENT = {"id": "ST-1", "account": "DE89", "format": "camt053", "file": "stmt.xml"}
AMBIGUOUS = {"statement": STATEMENT, "entry": ENTRY, "decision": "exception",
             "reason": "AMBIGUOUS", "rule": "two invoices fit", "confidence": 0.5,
             "explanation": "INV-1010 and INV-1011 both fit", "customer_id": "C1010",
             "partial": False, "allocations": [],
             "candidates": [{"invoice_number": "INV-2026-1010", "amount_open": "2000.00"},
                            {"invoice_number": "INV-2026-1011", "amount_open": "2000.00"}]}
POSTED = {**AMBIGUOUS, "entry": {**ENTRY, "bank_reference": "NWB-1"}, "decision": "post",
          "reason": None, "allocations": [{"invoice_number": "INV-1", "amount": "2000.00",
                                           "write_off": "0.00", "discount": "0.00"}]}


def _run(backend: MemoryBackend, run_dir: Path, erp: FakeErp | None = None) -> FakeErp:
    with RunContext(run_dir.name, run_dir, bot=BOT, backend=backend) as ctx:
        erp = erp or FakeErp(ctx)
        erp.ctx = ctx
        Poster(ctx, ctx.queue(QUEUE), erp, None).run()
    return erp


def test_a_case_carries_the_bank_line_and_the_payment_page(tmp_path: Path) -> None:
    backend = MemoryBackend()
    backend.ensure_queue(QUEUE)
    backend.add_item(QUEUE, "NWB-1", POSTED)  # posted first: its inquiry page is left open
    backend.add_item(QUEUE, "NWB-2", AMBIGUOUS)
    _run(backend, tmp_path / "run")

    [case] = backend.cases
    assert (case.reference, case.reason_code) == ("NWB-2", "AMBIGUOUS")
    assert case.data["bank_line"] == ENTRY and case.data["statement"] == STATEMENT
    assert case.data["explanation"] == AMBIGUOUS["explanation"]
    assert case.data["confidence"] == 0.5 and case.data["failure_kind"] == "business"
    assert case.data["payload"]["entry"] == ENTRY  # the declared evidence reads it here
    assert case.amount == Decimal("2000.00") and case.customer_id == "C1010"
    assert case.rule == "two invoices fit" and len(case.candidates) == 2
    shot, statement_file = case.evidence
    assert statement_file == "stmt.xml"
    assert (tmp_path / "run" / shot).read_text() == "payment inquiry NWB-2"
    assert [a["action"] for a in backend.audit] == ["payment.post"]


def test_a_person_allocation_is_posted_and_resolves_the_case(tmp_path: Path) -> None:
    backend = MemoryBackend()
    backend.ensure_queue(QUEUE)
    backend.add_item(QUEUE, "NWB-2", AMBIGUOUS)
    erp = _run(backend, tmp_path / "first")
    [case] = backend.cases
    allocation = [{"invoice_number": "INV-2026-1010", "amount": "2000.00",
                   "write_off": "0.00", "discount": "0.00"}]
    backend.resolve_case(case.id, "apply", {"note": "customer confirmed"}, by="clerk",
                         payload={"decision": "post", "allocations": allocation,
                                  "customer_id": "C1010", "partial": False,
                                  "rule": "manual: applied by clerk"})

    _run(backend, tmp_path / "second", erp)

    assert erp.posted == {"NWB-2": "CR-1"}
    assert backend.case(case.id).status == "resolved"
    done = backend.list_items(QUEUE, state="successful")
    assert [i.output["confirmation"] for i in done] == ["CR-1"]
