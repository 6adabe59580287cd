"""A file of several statements: ``import_statements`` and ``finbots statements parse|import``
read every one, each reconciled and deduplicated on its own key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from statement_files import day_statement, mt940_file, payment, read_several  # noqa: F401
from typer.testing import CliRunner

from bots.cashapp.cli import statements_app as app
from bots.cashapp.statements import (
    JsonFileRegistry,
    MemoryRegistry,
    StatementKey,
    import_statements,
)
from bots.runtime.errors import BalanceMismatchError, DuplicateStatementError

runner = CliRunner()
MON, TUE = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
pytestmark = pytest.mark.usefixtures("read_several")


def two_days(path: Path, *, skew_tuesday: str = "0") -> Path:
    monday = day_statement(MON, 321, [payment("NWB-MON-1", "1190.00", "ACME", "INV-1", MON),
                                      payment("NWB-MON-2", "250.00", "FJORD", "INV-2", MON)])
    tuesday = day_statement(TUE, 322, [payment("NWB-TUE-1", "99.95", "GRANITE", "INV-3", TUE)],
                            opening=str(monday.closing), skew=skew_tuesday)
    return mt940_file(path, monday, tuesday)


def test_every_statement_of_a_file_is_imported_on_its_own_key(tmp_path: Path) -> None:
    registry = MemoryRegistry()
    found = import_statements(two_days(tmp_path / "two.sta"), registry, tmp_path / "q")
    assert [(f.statement.statement_id, f.statement.sequence, f.new) for f in found] == [
        ("STMT26112300321", "00321/001", True), ("STMT26112400322", "00322/001", True)]
    assert [len(f.statement.entries) for f in found] == [2, 1]
    assert all(registry.seen(f.key) for f in found)

    # a later file repeats Tuesday and adds Wednesday: only Wednesday is new
    wed = dt.date(2026, 11, 25)
    tuesday = found[1].statement
    later = mt940_file(tmp_path / "later.sta", day_statement(
        TUE, 322, [payment("NWB-TUE-1", "99.95", "GRANITE", "INV-3", TUE)],
        opening=str(tuesday.opening_balance)), day_statement(
        wed, 323, [payment("NWB-WED-1", "10.00", "ACME", "INV-4", wed)],
        opening=str(tuesday.closing_balance)))
    again = import_statements(later, registry, tmp_path / "q")
    assert [f.new for f in again] == [False, True]
    assert later.exists()  # not refused: one of its statements was new


def test_a_file_whose_statements_were_all_imported_is_quarantined(tmp_path: Path) -> None:
    registry = MemoryRegistry()
    import_statements(two_days(tmp_path / "two.sta"), registry, tmp_path / "q")
    with pytest.raises(DuplicateStatementError,
                       match=r"STMT26112300321 .* STMT26112400322 .* were imported before"):
        import_statements(two_days(tmp_path / "again.sta"), registry, tmp_path / "q")
    assert (tmp_path / "q" / "again.sta.error.txt").exists()


def test_one_statement_out_of_balance_refuses_the_file_and_remembers_none(
        tmp_path: Path) -> None:
    registry = MemoryRegistry()
    with pytest.raises(BalanceMismatchError, match="statement STMT26112400322") as raised:
        import_statements(two_days(tmp_path / "two.sta", skew_tuesday="0.10"), registry,
                          tmp_path / "q")
    assert "difference 0.10" in str(raised.value)
    assert registry.sources == {}
    assert (tmp_path / "q" / "two.sta").exists()


def test_cli_parse_prints_each_statement(tmp_path: Path) -> None:
    path = two_days(tmp_path / "two.sta")
    result = runner.invoke(app, ["parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["statement_id"] for s in data] == ["STMT26112300321", "STMT26112400322"]
    table = runner.invoke(app, ["parse", str(path)], env={"COLUMNS": "160"})
    assert table.exit_code == 0, table.output
    assert "statement 1 of 2" in table.stdout and "statement 2 of 2" in table.stdout
    assert "NWB-MON-2" in table.stdout and "NWB-TUE-1" in table.stdout

    bad = runner.invoke(app, ["parse", str(two_days(tmp_path / "bad.sta",
                                                    skew_tuesday="-5.00"))])
    assert bad.exit_code == 2 and "STMT26112400322" in bad.output
    assert "difference -5.00" in bad.output


def test_cli_import_imports_each_and_skips_those_imported_before(tmp_path: Path) -> None:
    registry, quarantine = tmp_path / "reg.json", tmp_path / "q"
    args = ["--registry", str(registry), "--quarantine", str(quarantine)]
    first = runner.invoke(app, ["import", str(two_days(tmp_path / "two.sta")), *args],
                          env={"COLUMNS": "160"})
    assert first.exit_code == 0, first.output
    assert "statement 1 of 2: imported" in first.stdout
    assert "statement 2 of 2: imported" in first.stdout
    keys = [StatementKey("DE12500105170648489890", "STMT26112300321",
                         "00321/001@2026-11-23..2026-11-23"),
            StatementKey("DE12500105170648489890", "STMT26112400322",
                         "00322/001@2026-11-24..2026-11-24")]
    assert all(JsonFileRegistry(registry).seen(k) for k in keys)

    again = runner.invoke(app, ["import", str(two_days(tmp_path / "again.sta")), *args])
    assert again.exit_code == 2 and "were imported before" in again.output
