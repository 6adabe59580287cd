"""finbots match from real files: a camt.053 and an ERP export, phases timed on request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import with_plugins

app = with_plugins()
FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"
HEADER = ("invoice_number,customer_id,customer_name,customer_iban,amount_open,currency,"
          "due_date,creditor_reference\n")


def _open_items(path: Path) -> Path:
    path.write_text(HEADER
                    + "INV-2026-1001,C1,Acme Industrial GmbH,DE89370400440532013000,1190.00,"
                      "EUR,2026-11-30,RF79INV20261001\n"
                    + "INV-2026-1002,C2,Borealis Foods AB,,2380.00,EUR,2026-11-30,\n",
                    encoding="utf-8")
    return path


def test_decisions_one_json_object_a_line_and_phase_timings_on_stderr(tmp_path: Path) -> None:
    items = _open_items(tmp_path / "open.csv")
    res = CliRunner().invoke(app, [
        "match", "--statement", str(FIXTURES / "camt053_v08_northwind.xml"),
        "--open-items", str(items), "--json", "--timings"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    rows = json.loads(res.stdout)
    assert len(rows) == len(lines) - 2 == 5  # one decision per entry, each on its own line
    acme = next(r for r in rows if r["entry_id"] == "1-1")
    assert acme["decision"] == "post"
    assert acme["allocations"] == [{"invoice_number": "INV-2026-1001", "amount": "1190.00",
                                    "write_off": "0", "discount": "0"}]
    timings = json.loads(res.stderr.strip().splitlines()[-1])
    for clock in ("wall", "cpu"):
        assert set(timings[clock]) == {"parse", "open_items", "index", "match", "output"}
        assert all(isinstance(v, float) and v >= 0 for v in timings[clock].values())


def test_a_statement_over_the_size_limit_is_refused_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = _open_items(tmp_path / "open.csv")
    statement = FIXTURES / "camt053_v08_northwind.xml"
    monkeypatch.setenv("FINBOTS_STATEMENT_MAX_BYTES", "1KiB")
    res = CliRunner().invoke(app, ["match", "--statement", str(statement),
                                   "--open-items", str(items)])
    assert res.exit_code == 2
    assert str(statement) in res.output and "larger than the limit of 1.0 KiB" in res.output


def test_every_statement_of_a_file_is_decided_in_file_order(tmp_path: Path) -> None:
    items = tmp_path / "open.csv"
    items.write_text(HEADER
                     + "QPW-7781,C7,Quillon Paper Works,,440.00,EUR,2026-11-30,\n"
                     + "MHS-55120,C9,Marlow Harbour Supplies Inc,,2000.00,USD,2026-11-30,\n",
                     encoding="utf-8")
    res = CliRunner().invoke(app, [
        "match", "--statement", str(FIXTURES / "camt053_v08_two_accounts.xml"),
        "--open-items", str(items), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["statement_id"], r["entry_id"]) for r in rows] == [
        ("HBK-EUR-20261123", "E1-1"), ("HBK-EUR-20261123", "E2-1"),
        ("HBK-USD-20261123", "U1-1")]
    posted = {r["entry_id"]: [a["invoice_number"] for a in r["allocations"]]
              for r in rows if r["decision"] == "post"}
    assert posted == {"E1-1": ["QPW-7781"], "U1-1": ["MHS-55120"]}
