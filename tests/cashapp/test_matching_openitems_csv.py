"""The open-items export as ERPs write it: separators, column order, short rows, bad bytes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from matching_helpers import IBAN_A

from bots.cashapp.matching import load_open_items_csv
from bots.runtime.errors import OpenItemsError


def test_semicolon_export_in_its_own_column_order(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text(
        "currency;amount_open;invoice_number;customer_id;customer_name;customer_iban;due_date;"
        "creditor_reference\n"
        f"EUR;1190,00;INV-7;C9;Brightwater Foods AG;{IBAN_A};2026-12-01;RF18INV7\n"
        "eur;20.000;INV-8;C9;Brightwater Foods AG;;2026-12-02\n",  # short row, zero decimals
        encoding="utf-8-sig")
    first, second = load_open_items_csv(path)
    assert (first.invoice_number, first.amount_open, first.customer_ibans) == (
        "INV-7", Decimal("1190.00"), (IBAN_A,))
    assert first.creditor_reference == "RF18INV7" and first.due_date == dt.date(2026, 12, 1)
    assert second.amount_open == Decimal("20") and second.currency == "EUR"
    assert second.creditor_reference is None and second.discount_percent == 0
    assert second.customer_ibans == ()


def test_a_third_decimal_that_is_not_zero_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text("invoice_number,customer_id,customer_name,customer_iban,amount_open,"
                    "currency,due_date\nINV-1,C1,X,,5.00,EUR,\nINV-2,C1,X,,5.001,EUR,\n")
    with pytest.raises(OpenItemsError, match="at most 2 decimals") as err:
        load_open_items_csv(path)
    assert err.value.line == 3


def test_bytes_that_are_not_utf8_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_bytes("invoice_number,customer_id,customer_name,customer_iban,amount_open,"
                     "currency,due_date\nINV-1,C1,Müller KG,,5.00,EUR,\n".encode("latin-1"))
    with pytest.raises(OpenItemsError, match="cannot read open items") as err:
        load_open_items_csv(path)
    assert err.value.file == str(path)


def test_the_same_invoice_with_another_amount_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text("invoice_number,customer_id,customer_name,customer_iban,amount_open,"
                    "currency,due_date\nINV-1,C1,X,,5.00,EUR,\n\nINV-1,C1,X,,6.00,EUR,\n")
    with pytest.raises(OpenItemsError, match="repeated with different") as err:
        load_open_items_csv(path)
    assert err.value.line == 4
