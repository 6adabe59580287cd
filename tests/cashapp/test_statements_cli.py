"""``finbots statements parse FILE [--json]`` and ``finbots statements import FILE``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bots.cashapp.cli import statements_app as app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"
runner = CliRunner()


def test_parse_json() -> None:
    result = runner.invoke(app, ["parse", str(FIXTURES / "camt053_v08_northwind.xml"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["format"] == "camt.053"
    assert data["opening_balance"] == "250000.00"  # Decimal as string
    assert data["created_at"] == "2026-11-20T17:00:00+00:00"
    first = data["entries"][0]
    assert first["amount"] == "1190.00" and first["direction"] == "CRDT"
    assert first["booking_date"] == "2026-11-20"
    assert first["creditor_reference"] == "RF79INV20261001"


def test_parse_table() -> None:
    result = runner.invoke(app, ["parse", str(FIXTURES / "bai2_northwind.bai")],
                           env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "bai2" in result.stdout and "NWB2026112000002" in result.stdout


def test_bad_input_exits_2_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text((FIXTURES / "camt053_v04.xml").read_text().replace(
        '<Amt Ccy="EUR">1000.00</Amt>', '<Amt Ccy="EUR">1000.001</Amt>'))
    result = runner.invoke(app, ["parse", str(bad), "--json"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "3 decimals" in result.output and "TxDtls[2]/Amt" in result.output


def test_import_then_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "day.sta"
    registry, quarantine = tmp_path / "reg.json", tmp_path / "q"
    args = ["--registry", str(registry), "--quarantine", str(quarantine), "--json"]
    shutil.copy(FIXTURES / "mt940_swift.sta", path)
    assert runner.invoke(app, ["import", str(path), *args]).exit_code == 0
    result = runner.invoke(app, ["import", str(path), *args])
    assert result.exit_code == 2 and "imported before" in result.output
    assert (quarantine / "day.sta.error.txt").exists()


def test_finbots_command_in_a_subprocess(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x89PNG not a statement")
    code = "from bots.cashapp.cli import statements_app; statements_app()"
    ok = subprocess.run([sys.executable, "-c", code, "parse", str(FIXTURES / "csv_de_bank.csv"),
                         "--json"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["entries"][0]["counterparty_name"].startswith("Müller")
    bad = subprocess.run([sys.executable, "-c", code, "parse", str(junk)], capture_output=True,
                         text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "junk.bin" in bad.stderr
