"""The same day's payments, delivered as camt.053, MT940, BAI2 and CSV, read the same."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.model import Direction, StatementEntry
from bots.cashapp.statements import check_balance, parse_file
from bots.cashapp.statements.balance import movement

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"
SAME_DAY = ["camt053_v08_northwind.xml", "mt940_sepa.sta", "mt940_swift.sta",
            "bai2_northwind.bai", "csv_sandbox_bank.csv"]


def _view(e: StatementEntry) -> tuple[object, ...]:
    return (e.entry_id, e.amount, e.currency, e.direction, e.booking_date, e.value_date,
            e.bank_reference, e.end_to_end_id, e.counterparty_name, e.counterparty_iban,
            e.creditor_reference, e.remittance_text)


@pytest.mark.parametrize("name", SAME_DAY[1:])
def test_entries_equal_to_camt(name: str) -> None:
    reference = parse_file(FIXTURES / SAME_DAY[0])
    other = parse_file(FIXTURES / name)
    assert [_view(e) for e in other.entries] == [_view(e) for e in reference.entries]


@pytest.mark.parametrize("name", SAME_DAY)
def test_totals_match_balances(name: str) -> None:
    s = parse_file(FIXTURES / name)
    credits = sum(e.amount for e in s.entries if e.direction is Direction.CREDIT)
    debits = sum(e.amount for e in s.entries if e.direction is Direction.DEBIT)
    assert (credits, debits) == (Decimal("6685.90"), Decimal("12.50"))
    assert movement(s) == Decimal("6673.40")
    if s.opening_balance is not None:
        assert s.opening_balance + credits - debits == s.closing_balance
        check_balance(s)


@pytest.mark.parametrize("name", [
    "camt053_v02_batched.xml", "camt053_v04.xml", "mt940_free.sta", "bai2_us_lockbox.bai",
])
def test_other_statements_balance(name: str) -> None:
    check_balance(parse_file(FIXTURES / name))


@pytest.mark.parametrize("name", [*SAME_DAY, "camt054_v08.xml", "csv_de_bank.csv"])
def test_format_is_told_by_content_not_name(name: str, tmp_path: Path) -> None:
    disguised = tmp_path / "statement.txt"
    shutil.copy(FIXTURES / name, disguised)
    assert parse_file(disguised).entries == parse_file(FIXTURES / name).entries
