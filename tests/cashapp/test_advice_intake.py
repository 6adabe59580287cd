"""Remittance advices dropped into the watched folder (in-memory backend, an ERP of four
open invoices): linked to their payment by payer, amount and date, their lines decide the
allocation; a bad file is quarantined naming its line; a payment may wait for its advice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from learning_files import write_open_items, write_statement

from bots.cashapp.matching import MatchingConfig
from bots.payment_posting import BOT
from bots.payment_posting.intake import QUEUE, produce
from bots.runtime import MemoryBackend, RunContext

# 1,600.00 is 700 + 900 and 640 + 960: the amount alone cannot tell
OPEN = {"INV-2026-1019": "640.00", "INV-2026-1020": "700.00", "INV-2026-1021": "900.00",
        "INV-2026-1022": "960.00"}


class Erp:
    name = "legacy_erp"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def export_open_items(self) -> Path:
        rows = [(n, "C1007", "Granite Tools Inc.", "", a) for n, a in OPEN.items()]
        return write_open_items(self.folder / "open.csv", rows)

    def post_receipt(self, *, customer_id: str, value_date: dt.date, bank_reference: str,
                     amount: Decimal, allocations: Sequence[dict[str, str]]) -> str:
        raise AssertionError("intake posts nothing")


class Intake:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.backend, self.runs = tmp, MemoryBackend(), 0
        self.advices = tmp / "advices"
        self.advices.mkdir()

    def run(self, *payments: dict[str, str], wait: float = 0.0) -> dict[str, Any]:
        self.runs += 1
        with RunContext(self.runs, self.tmp / f"run{self.runs}", bot=BOT,
                        backend=self.backend) as ctx:
            path = write_statement(self.tmp / f"stmt{self.runs}.csv", payments)
            return produce(ctx, ctx.queue(QUEUE), statement_file=path,
                           day=dt.date(2026, 11, 20), fmt="csv", bank=None,  # type: ignore[arg-type]
                           erp=Erp(self.tmp), config=MatchingConfig(),  # type: ignore[arg-type]
                           quarantine_dir=self.tmp / "quarantine", advice_folder=self.advices,
                           advice_wait_hours=wait)

    def item(self, ref: str) -> Any:
        found = [i for i in self.backend.items.values() if i.reference == ref]
        return found[-1] if found else None


def _advice(folder: Path, name: str, paid: str = "2026-11-19",
            lines: str = "INV-2026-1020;700,00\nINV-2026-1021;900,00\n") -> Path:
    path = folder / name
    path.write_text(f"Payer;Granite Tools Inc.\nPayment date;{paid}\nPayment amount;1.600,00\n"
                    f"Currency;EUR\n\nInvoice number;Amount paid\n{lines}", encoding="utf-8")
    return path


def _payment(ref: str, day: str = "2026-11-20") -> dict[str, str]:
    return {"bank_reference": ref, "amount": "1600.00", "counterparty_name": "GRANITE TOOLS INC",
            "remittance_text": "REMITTANCE TO FOLLOW", "date": day}


def test_advice_in_the_folder_allocates_its_payment(tmp_path: Path) -> None:
    intake = Intake(tmp_path)
    advice = _advice(intake.advices, "granite.csv")

    intake.run(_payment("REF-1"))

    payload = intake.item("REF-1").payload
    assert payload["decision"] == "post" and payload["rule"] == "remittance_advice"
    assert [(a["invoice_number"], a["amount"]) for a in payload["allocations"]] == [
        ("INV-2026-1020", "700.00"), ("INV-2026-1021", "900.00")]
    assert not advice.exists() and (intake.advices / "linked" / "granite.csv").exists()


def test_without_its_advice_or_with_an_advice_of_another_day_it_is_a_case(
        tmp_path: Path) -> None:
    intake = Intake(tmp_path)
    _advice(intake.advices, "old.csv", paid="2026-10-01")
    intake.run(_payment("REF-1"))
    payload = intake.item("REF-1").payload
    assert (payload["decision"], payload["reason"]) == ("exception", "AMBIGUOUS")
    assert (intake.advices / "old.csv").exists()  # kept for a payment it may still fit


def test_bad_advice_is_quarantined_naming_its_line(tmp_path: Path) -> None:
    intake = Intake(tmp_path)
    _advice(intake.advices, "bad.csv", lines="INV-2026-1020;seven hundred\n")
    _advice(intake.advices, "good.csv")

    intake.run(_payment("REF-1"))

    reason = (tmp_path / "quarantine" / "bad.csv.error.txt").read_text()
    assert "location: line 7" in reason and "seven hundred" in reason
    assert not (intake.advices / "bad.csv").exists()
    assert intake.item("REF-1").payload["rule"] == "remittance_advice"


def test_a_payment_waits_for_its_advice(tmp_path: Path) -> None:
    intake = Intake(tmp_path)
    first = intake.run(_payment("REF-1"), wait=24)
    assert intake.item("REF-1") is None and first["waiting_for_advice"] == 1

    _advice(intake.advices, "granite.csv")
    intake.run(wait=24)  # the next statement is empty; the advice came meanwhile

    assert intake.item("REF-1").payload["rule"] == "remittance_advice"
    assert intake.backend.get_state("payment-posting", "advices", "waiting") == {}


def test_a_payment_whose_advice_never_comes_becomes_a_case(tmp_path: Path) -> None:
    intake = Intake(tmp_path)
    intake.run(_payment("REF-1"), wait=1e-9)
    assert intake.item("REF-1") is None
    intake.run(wait=1e-9)
    assert intake.item("REF-1").payload["reason"] == "AMBIGUOUS"
