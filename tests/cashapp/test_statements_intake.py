"""Intake: parse + reconcile + duplicate check; refused files go to quarantine with a reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bots.cashapp.statements import (
    JsonFileRegistry,
    MemoryRegistry,
    StatementKey,
    import_statement,
)
from bots.runtime.errors import (
    BalanceMismatchError,
    DuplicateStatementError,
    StatementParseError,
    UnknownFormatError,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def _drop(inbox: Path, name: str, data: bytes | None = None) -> Path:
    target = inbox / name
    if data is None:
        shutil.copy(FIXTURES / name, target)
    else:
        target.write_bytes(data)
    return target


def test_import_remembers_the_statement(inbox: Path, tmp_path: Path) -> None:
    registry = MemoryRegistry()
    path = _drop(inbox, "camt053_v08_northwind.xml")
    s = import_statement(path, registry, tmp_path / "q")
    key = StatementKey("DE12500105170648489890", "NWB-STMT-20261120", "318")
    assert StatementKey.of(s) == key and registry.seen(key)
    assert path.exists() and not (tmp_path / "q").exists()


def test_duplicate_is_refused_and_quarantined(inbox: Path, tmp_path: Path) -> None:
    registry = MemoryRegistry()
    quarantine = tmp_path / "q"
    import_statement(_drop(inbox, "camt053_v08_northwind.xml"), registry, quarantine)
    again = _drop(inbox, "again.xml", (FIXTURES / "camt053_v08_northwind.xml").read_bytes())
    with pytest.raises(DuplicateStatementError, match="imported before"):
        import_statement(again, registry, quarantine)
    assert not again.exists()
    reason = (quarantine / "again.xml.error.txt").read_text()
    assert "DuplicateStatementError" in reason and "NWB-STMT-20261120" in reason


def test_malformed_file_is_moved_with_its_reason(inbox: Path, tmp_path: Path) -> None:
    text = (FIXTURES / "mt940_free.sta").read_text().replace("C1000,00NTRF", "C1000,001NTRF")
    path = _drop(inbox, "bad.sta", text.encode())
    quarantine = tmp_path / "q"
    with pytest.raises(StatementParseError):
        import_statement(path, MemoryRegistry(), quarantine)
    assert not path.exists()
    assert (quarantine / "bad.sta").read_text() == text
    reason = (quarantine / "bad.sta.error.txt").read_text()
    assert "StatementParseError" in reason and "location: line 7" in reason
    assert "3 decimals" in reason


def test_balance_mismatch_is_quarantined(inbox: Path, tmp_path: Path) -> None:
    text = (FIXTURES / "camt053_v04.xml").read_text().replace(
        '<Amt Ccy="EUR">5730.00</Amt>', '<Amt Ccy="EUR">5731.00</Amt>')
    path = _drop(inbox, "off.xml", text.encode())
    registry = MemoryRegistry()
    with pytest.raises(BalanceMismatchError):
        import_statement(path, registry, tmp_path / "q")
    assert (tmp_path / "q" / "off.xml.error.txt").exists()
    assert not registry.sources  # nothing remembered for a refused file


def test_quarantine_never_overwrites(inbox: Path, tmp_path: Path) -> None:
    quarantine = tmp_path / "q"
    for _ in range(2):
        path = _drop(inbox, "junk.txt", b"not a statement")
        with pytest.raises(UnknownFormatError):
            import_statement(path, MemoryRegistry(), quarantine)
    names = sorted(p.name for p in quarantine.iterdir())
    assert names == ["junk.1.txt", "junk.1.txt.error.txt", "junk.txt", "junk.txt.error.txt"]


def test_json_registry_survives_a_restart(inbox: Path, tmp_path: Path) -> None:
    registry_file = tmp_path / "state" / "registry.json"
    import_statement(_drop(inbox, "mt940_sepa.sta"), JsonFileRegistry(registry_file),
                     tmp_path / "q")
    records = json.loads(registry_file.read_text())
    assert records[0]["statement_id"] == "NWBSTMT20261120"
    assert records[0]["sequence"] == "00318/001@2026-11-20..2026-11-20"  # number and period
    with pytest.raises(DuplicateStatementError):
        import_statement(_drop(inbox, "mt940_sepa.sta"), JsonFileRegistry(registry_file),
                         tmp_path / "q")


def test_notification_is_not_the_statement_it_precedes(inbox: Path, tmp_path: Path) -> None:
    """Key is account, statement id and sequence: the camt.054 of a statement is not it."""
    registry = MemoryRegistry()
    import_statement(_drop(inbox, "camt053_v08_northwind.xml"), registry, tmp_path / "q")
    import_statement(_drop(inbox, "camt054_v08.xml"), registry, tmp_path / "q")
    assert len(registry.sources) == 2
