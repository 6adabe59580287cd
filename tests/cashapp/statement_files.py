"""Statement files of several statements, written by the sandbox bank's MT940 writer.

Until the MT940 parser reads a file of several messages by itself, :func:`read_several`
lets it read one message at a time (the file stays real: every message goes through the
real parser); once it does, nothing is patched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bots.cashapp.model import Statement
from bots.cashapp.statements import detect, parse_mt940
from bots.runtime.errors import StatementError
from sandbox.bank.formats import BookedEntry, DayStatement, render

IBAN, OWNER = "DE12500105170648489890", "Northwind Components GmbH"
CREATED = dt.datetime(2026, 11, 20, 18, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class SkewedStatement(DayStatement):
    """A statement whose closing balance is off by ``skew`` (the bank's mistake)."""

    skew: Decimal = Decimal("0")

    @property
    def closing(self) -> Decimal:
        return super().closing + self.skew


def payment(reference: str, amount: str, payer: str, text: str,
            day: dt.date) -> BookedEntry:
    return BookedEntry(Decimal(amount), True, day, day, reference, None, payer,
                       "DE89370400440532013000", None, text)


def day_statement(day: dt.date, sequence: int, entries: list[BookedEntry], *,
                  skew: str = "0", opening: str = "250000.00") -> DayStatement:
    return SkewedStatement(IBAN, OWNER, "EUR", "NWBKDEFFXXX", day, sequence,
                           Decimal(opening), tuple(entries), CREATED, Decimal(skew))


def mt940_file(path: Path, *statements: DayStatement) -> Path:
    """One file holding every statement, one MT940 message after the other."""
    path.write_bytes(b"".join(render("mt940", s)[0] for s in statements))
    return path


def _one_by_one(data: bytes, *, source: str = "") -> list[Statement]:
    messages = [m for m in re.split(rb"(?m)^(?=:20:)", data) if m.strip()]
    return [parse_mt940(m, source=source) for m in messages]


@pytest.fixture
def read_several(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Make sure files of several MT940 messages parse (see the module's docstring)."""
    day = dt.date(2026, 11, 20)
    probe = mt940_file(tmp_path / "probe.sta",
                       day_statement(day, 1, [payment("P1", "1.00", "A", "x", day)]),
                       day_statement(day, 2, [payment("P2", "2.00", "B", "y", day)]))
    try:
        if len(detect.parse_file_statements(probe)) == 2:
            return
    except StatementError:
        pass
    finally:
        probe.unlink()
    monkeypatch.setitem(detect._PARSERS, "mt940", _one_by_one)
