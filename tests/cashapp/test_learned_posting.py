"""The payment-posting bot learns from a person's allocation (in-memory backend, an ERP
that remembers its postings): a payment from an account nobody knew is applied by a
person; the next one from that account posts on its own, citing the case; once the rule
is withdrawn the next one is a case again, and so is one queued before the withdrawal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from learning_files import write_open_items, write_statement

from bots.cashapp.matching import MatchingConfig
from bots.payment_posting import BOT
from bots.payment_posting.allocations import prepare_apply
from bots.payment_posting.intake import QUEUE, produce
from bots.payment_posting.posting import AUDIT_ACTION, Poster
from bots.runtime import MemoryBackend, RunContext

FACTOR_IBAN = "IE29AIBK93115212345678"
GRANITE = ("C1007", "Granite Tools Inc.", "")
OPEN = {"INV-2026-1019": "640.00", "INV-2026-1020": "700.00", "INV-2026-1021": "900.00"}


class Erp:
    """Open items that shrink as payments are posted; an export file per call."""

    name = "legacy_erp"

    def __init__(self, folder: Path) -> None:
        self.folder, self.posted = folder, {}  # type: ignore[var-annotated]
        self.open = dict(OPEN)

    def export_open_items(self) -> Path:
        rows = [(n, *GRANITE[:2], GRANITE[2], a) for n, a in self.open.items()]
        return write_open_items(self.folder / f"open-{len(self.posted)}.csv", rows)

    def recover(self) -> None:
        pass

    def find_postings(self, bank_reference: str) -> list[str]:
        return [self.posted[bank_reference]] if bank_reference in self.posted else []

    def show_payment(self, bank_reference: str) -> str:
        return bank_reference

    def post_receipt(self, *, customer_id: str, value_date: dt.date, bank_reference: str,
                     amount: Decimal, allocations: Sequence[dict[str, str]]) -> str:
        for a in allocations:
            self.open.pop(a["invoice_number"])
        self.posted[bank_reference] = f"CR-{len(self.posted) + 1}"
        return self.posted[bank_reference]


class Bot:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.backend, self.erp, self.runs = tmp, MemoryBackend(), Erp(tmp), 0

    def run(self, *payments: dict[str, str], post: bool = True) -> RunContext:
        self.runs += 1
        run_dir = self.tmp / f"run{self.runs}"
        with RunContext(self.runs, run_dir, bot=BOT, backend=self.backend) as ctx:
            queue = ctx.queue(QUEUE)
            if payments:
                path = write_statement(self.tmp / f"stmt{self.runs}.csv", payments)
                produce(ctx, queue, statement_file=path, day=dt.date(2026, 11, 20), fmt="csv",
                        bank=None, erp=self.erp, config=MatchingConfig(),  # type: ignore[arg-type]
                        quarantine_dir=self.tmp / "quarantine")
            if post:
                Poster(ctx, queue, self.erp, None).run()  # type: ignore[arg-type]
        return ctx

    def apply(self, case_id: int, invoice: str, amount: str, by: str = "fiona") -> None:
        case = self.backend.case(case_id)
        view = {"id": case.id, "reason_code": case.reason_code, "amount": case.amount,
                "customer_id": case.customer_id, "candidates": case.candidates,
                "requested_by": by}
        values = {"allocations": [{"invoice_number": invoice, "amount": amount,
                                   "typed": True, "open_amount": amount}],
                  "customer_id": "C1007"}
        prepared = prepare_apply(view, values)
        self.backend.resolve_case(case_id, "apply", values, by=by, payload=prepared.payload)


def _payment(ref: str, amount: str) -> dict[str, str]:
    return {"bank_reference": ref, "amount": amount, "counterparty_name": "Nordic Factoring AB",
            "counterparty_iban": FACTOR_IBAN, "remittance_text": "factoring remittance"}


def _item(backend: MemoryBackend, ref: str) -> Any:
    return [i for i in backend.items.values() if i.reference == ref][-1]


def test_learn_use_withdraw(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    bot.run(_payment("REF-1", "700.00"))
    (case,) = bot.backend.cases
    assert case.reason_code == "UNKNOWN_PAYER"

    bot.apply(case.id, "INV-2026-1020", "700.00")
    bot.run()  # the bot carries the decision out, then learns from it

    assert bot.backend.case(case.id).status == "resolved"
    (rule,) = bot.backend.list_learned("payment-posting")
    assert (rule.kind, rule.key, rule.value, rule.source_case, rule.created_by) == (
        "payer_iban", FACTOR_IBAN, {"customer_id": "C1007"}, case.id, "fiona")
    assert "fiona applied 700.00" in rule.evidence["decision"]

    ctx = bot.run(_payment("REF-2", "900.00"))

    second = _item(bot.backend, "REF-2")
    assert second.state == "successful" and bot.erp.posted["REF-2"]
    assert second.payload["explanation"].startswith(f"learned from case {case.id} (fiona)")
    posted = [s for s in ctx.recorder.steps if s.action == "post_cash_receipt"]
    assert posted[0].data["learned"][0]["origin"] == f"learned from case {case.id} (fiona)"
    assert "fiona applied 700.00" in posted[0].data["learned"][0]["decision"]
    audit = [r for r in bot.backend.audit if r["action"] == AUDIT_ACTION]
    assert audit[-1]["details"]["learned"][0]["rule_id"] == rule.id
    assert len(bot.backend.cases) == 1

    # intake on the rule, then a person withdraws it before the bot posts
    bot.run(_payment("REF-3", "640.00"), post=False)
    assert _item(bot.backend, "REF-3").payload["decision"] == "post"
    bot.backend.withdraw_learned(rule.id, "arthur")
    bot.run()
    queued = bot.backend.cases[-1]
    assert (queued.reference, queued.reason_code) == ("REF-3", "UNKNOWN_PAYER")
    assert "withdrawn before posting" in queued.summary
    assert "REF-3" not in bot.erp.posted

    bot.run(_payment("REF-4", "640.00"))
    last = bot.backend.cases[-1]
    assert (last.reference, last.reason_code) == ("REF-4", "UNKNOWN_PAYER")
    assert _item(bot.backend, "REF-4").payload["learned"] == []


def test_a_decision_on_a_short_payment_teaches_nothing(tmp_path: Path) -> None:
    bot = Bot(tmp_path)
    bot.run({"bank_reference": "REF-1", "amount": "600.00", "counterparty_name":
             "Granite Tools Inc.", "remittance_text": "INV-2026-1019 less 40 damaged"})
    (case,) = bot.backend.cases
    assert case.reason_code == "SHORT_PAYMENT"
    bot.apply(case.id, "INV-2026-1019", "600.00")
    bot.run()
    assert bot.backend.case(case.id).status == "resolved"
    assert bot.backend.list_learned() == []
