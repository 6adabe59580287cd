"""A remittance advice dropped into the watched folder decides a payment's allocation, end to
end: the real bot against the sandbox ERP. The payer is unknown to the ERP; the advice
names it, the amount, the date and two invoices, and the ERP shows the payment posted to
them. A bad advice beside it is quarantined naming its line, and the run goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.runner import run_bot

pytestmark = [pytest.mark.e2e]
HEADER = ("booking_date,value_date,amount,direction,currency,bank_reference,end_to_end_id,"
          "counterparty_name,counterparty_iban,creditor_reference,remittance_text")


def test_advice_in_the_folder_allocates_the_payment(home: Any, sandbox: Any,
                                                     tmp_path: Path) -> None:
    statement = tmp_path / "statement.csv"
    statement.write_text(f"{HEADER}\n2026-11-20,2026-11-20,1600.00,CRDT,EUR,ADV-1,,"
                         "Nordic Factoring AB,IE29AIBK93115212345678,,see advice\n")
    folder = tmp_path / "advices"
    folder.mkdir()
    (folder / "nordic.csv").write_text(
        "Payer,Nordic Factoring AB\nPayment date,2026-11-19\nPayment amount,1600.00\n"
        "Currency,EUR\n\nInvoice number,Amount paid\nINV-2026-1020,700.00\n"
        "INV-2026-1021,900.00\n")
    (folder / "broken.csv").write_text(
        "Payer,Someone Else Ltd\n\nInvoice number,Amount paid\nINV-2026-1019,lots\n")

    outcome = run_bot("payment-posting", {"statement_file": str(statement),
                                          "advice_folder": str(folder),
                                          "update_portal": "false"})

    assert outcome.status == "successful", outcome.error
    (posting,) = sandbox.truth("legacy_erp")["postings"]
    assert (posting["bank_reference"], posting["customer_id"]) == ("ADV-1", "C1007")
    assert sorted((ln["invoice_number"], ln["amount"]) for ln in posting["lines"]) == [
        ("INV-2026-1020", "700.00"), ("INV-2026-1021", "900.00")]
    assert (folder / "linked" / "nordic.csv").exists()
    reason = (home.runs / "quarantine" / "broken.csv.error.txt").read_text()
    assert "location: line 4" in reason and "lots" in reason
    (item,) = home.store().list_items("payment-posting", reference="ADV-1")
    assert item.payload["rule"] == "remittance_advice"
