"""Statements of a bank that gives its lines no reference and numbers every day alike: each
line gets a reference made from its statement, and each day is a statement of its own, so
Tuesday's first payment is never taken for Monday's (the work queue and the ERP's "already
posted" check key on the reference, the import on the statement's key)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.cashapp.statements import (
    MemoryRegistry,
    import_statement,
    import_statements,
    parse_statements,
)
from bots.cashapp.statements.entry_refs import MADE_UP_PREFIX
from bots.runtime.errors import DuplicateStatementError


def _mt940(day: str, account: str, lines: list[str], *, number: str = "STARTUMS") -> str:
    body = "".join(f":61:{day}{day[2:]}CR{amount}NTRFNONREF\n:86:{text}\n"
                   for amount, text in (line.split("|") for line in lines))
    total = sum(float(line.split("|")[0].replace(",", ".")) for line in lines)
    closing = f"{1000 + total:.2f}".replace(".", ",")
    return (f":20:{number}\n:25:{account}\n:28C:1/1\n:60F:C{day}EUR1000,00\n"
            f"{body}:62F:C{day}EUR{closing}\n-\n")


MONDAY = _mt940("261123", "DE89370400440532013000", ["100,00|Rechnung 4711", "50,00|Miete"])
TUESDAY = _mt940("261124", "DE89370400440532013000", ["100,00|Rechnung 4711"])
OTHER_ACCOUNT = _mt940("261123", "DE02120300000000202051", ["100,00|Rechnung 4711"])


def _refs(text: str) -> list[str]:
    return [e.bank_reference for s in parse_statements(text.encode()) for e in s.entries]


def test_lines_without_a_bank_reference_get_one_unique_to_their_statement() -> None:
    monday, tuesday, other = _refs(MONDAY), _refs(TUESDAY), _refs(OTHER_ACCOUNT)
    assert all(r.startswith(MADE_UP_PREFIX) for r in monday + tuesday + other)
    assert all(len(r) == 16 for r in monday)  # fits the shortest ERP reference field
    # the same place in another day's or another account's statement: another reference
    assert len(set(monday + tuesday + other)) == 4
    # read again (the same file imported twice): the same references, so nothing doubles
    assert _refs(MONDAY) == monday
    # both days in one file, as a bank sends a week: still four different references
    assert _refs(MONDAY + TUESDAY) == monday + tuesday


def test_a_bank_reference_of_the_file_is_kept_as_it_is() -> None:
    text = MONDAY.replace("NTRFNONREF\n", "NTRFNONREF//BANK-REF-1\n", 1)
    assert _refs(text)[0] == "BANK-REF-1"
    assert _refs(text)[1].startswith(MADE_UP_PREFIX)


def test_a_payers_own_reference_is_not_taken_for_the_banks() -> None:
    """Two payments quoting the same customer reference (two instalments of one invoice)
    stay two payments."""
    text = MONDAY.replace("NTRFNONREF", "NTRFINV-4711")
    refs = _refs(text)
    assert len(set(refs)) == 2 and all(r.startswith(MADE_UP_PREFIX) for r in refs)
    assert [e.end_to_end_id for s in parse_statements(text.encode())
            for e in s.entries] == ["INV-4711", "INV-4711"]


def test_a_bank_that_numbers_every_day_alike_loses_no_day(tmp_path: Path) -> None:
    """``:20:STARTUMS`` and ``:28C:1/1`` every day (as German banks write them): Tuesday is
    a statement of its own, imported, not skipped as Monday's; Monday again is skipped."""
    registry = MemoryRegistry()
    for n, text in enumerate((MONDAY, TUESDAY)):
        (tmp_path / f"{n}.sta").write_text(text)
        import_statement(tmp_path / f"{n}.sta", registry, tmp_path / "q")
    (tmp_path / "again.sta").write_text(MONDAY)
    with pytest.raises(DuplicateStatementError):
        import_statement(tmp_path / "again.sta", registry, tmp_path / "q")
    week = [f.new for f in import_statements(_week(tmp_path), MemoryRegistry(), tmp_path / "q")]
    assert week == [True, True]


def _week(tmp_path: Path) -> Path:
    path = tmp_path / "week.sta"
    path.write_text(MONDAY + TUESDAY)
    return path
