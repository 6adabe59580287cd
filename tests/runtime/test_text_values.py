"""Amounts and dates found in English and German text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bots.runtime.text_values import find_amounts, find_dates


@pytest.mark.parametrize(("text", "amounts"), [
    ("for EUR 3,912.80 by", [Decimal("3912.80")]),
    ("über 1.847,35 EUR bis", [Decimal("1847.35")]),
    ("den Betrag von 4.180,00 € am", [Decimal("4180.00")]),
    ("1 672,40 EUR und 2'530.75 CHF", [Decimal("1672.40"), Decimal("2530.75")]),
    ("EUR 500 now", [Decimal("500.00")]),
    ("invoice INV-2026-0712 due 2026-10-06, call 0711 1234", []),
    ("30.11.2026", []),
    ("a total of 1.234", []),  # a thousand, or one and a fraction: not read
])
def test_amounts_in_both_conventions(text: str, amounts: list[Decimal]) -> None:
    assert [a.amount for a in find_amounts(text)] == amounts


@pytest.mark.parametrize(("text", "dates"), [
    ("by 27 November 2026.", [dt.date(2026, 11, 27)]),
    ("bis zum 30.11.2026 überweisen", [dt.date(2026, 11, 30)]),
    ("am 27. November 2026", [dt.date(2026, 11, 27)]),
    ("am 3. Dezember 2026 oder 1. März 2027", [dt.date(2026, 12, 3), dt.date(2027, 3, 1)]),
    ("on November 3rd, 2026 and 2026-12-01", [dt.date(2026, 11, 3), dt.date(2026, 12, 1)]),
    ("the 27th of Nov 2026", [dt.date(2026, 11, 27)]),
    ("31.02.2026, 11/12/2026", []),  # impossible; ambiguous order
])
def test_dates_in_english_and_german(text: str, dates: list[dt.date]) -> None:
    assert [d.date for d in find_dates(text)] == dates
