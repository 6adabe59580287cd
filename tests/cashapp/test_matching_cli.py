"""finbots match: JSON and table output, errors naming the bad file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from matching_helpers import scenario_entries, scenario_items
from typer.testing import CliRunner

import bots.cashapp.cli as cashapp_cli
from bots.cashapp.model import Statement
from orchestrator.cli import with_plugins
from sandbox.scenario import build_scenario

app = with_plugins()  # `finbots match` as installed: a plugin of the cash-application package
SC = build_scenario()
FIXTURE = Path(__file__).parents[1] / "fixtures" / "statements" / "camt053_v08_northwind.xml"


def write_open_items(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "invoice_number",
                "customer_id",
                "customer_name",
                "customer_iban",
                "amount_open",
                "currency",
                "due_date",
                "creditor_reference",
                "discount_percent",
                "discount_until",
            ]
        )
        for it in scenario_items(SC):
            for iban in it.customer_ibans or ("",):  # one row per IBAN, as ERP exports do
                out.writerow(
                    [
                        it.invoice_number,
                        it.customer_id,
                        it.customer_name,
                        iban,
                        it.amount_open,
                        it.currency,
                        it.due_date,
                        it.creditor_reference or "",
                        it.discount_percent,
                        it.discount_until or "",
                    ]
                )
    return path


@pytest.fixture
def scenario_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    stmt = Statement(
        "camt.053",
        "S1",
        None,
        SC.company_iban,
        "EUR",
        None,
        None,
        None,
        None,
        None,
        tuple(scenario_entries(SC)),
    )
    monkeypatch.setattr(cashapp_cli, "parse_file_statements", lambda path: [stmt])


def test_json_output_one_decision_per_entry(tmp_path: Path, scenario_statement: None) -> None:
    items = write_open_items(tmp_path / "open.csv")
    res = CliRunner().invoke(
        app, ["match", "--statement", "s.xml", "--open-items", str(items), "--json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [r["entry_id"] for r in rows] == [p.key for p in SC.payments]
    by_key = {r["entry_id"]: r for r in rows}
    assert by_key["P13"]["allocations"] == [
        {
            "invoice_number": "INV-2026-1015",
            "amount": "1799.20",
            "write_off": "0.80",
            "discount": "0",
        }
    ]
    assert by_key["P07"]["reason"] == "AMBIGUOUS" and len(by_key["P07"]["candidates"]) >= 2
    assert by_key["P04"]["decision"] == "post"  # second IBAN row merged into the customer
    assert by_key["P18"]["decision"] == "skip"


def test_table_output(tmp_path: Path, scenario_statement: None) -> None:
    items = write_open_items(tmp_path / "open.csv")
    config = tmp_path / "m.yaml"
    config.write_text("auto_post_threshold: 0.95\n")
    res = CliRunner().invoke(
        app,
        ["match", "--statement", "s.xml", "--open-items", str(items), "--config", str(config)],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "LOW_CONFIDENCE" in res.output  # amount-only matches fall below 0.95


def test_bad_open_items_file_is_named(tmp_path: Path, scenario_statement: None) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("invoice_number,customer_id\nINV-1,C1\n")
    res = CliRunner().invoke(app, ["match", "--statement", "s.xml", "--open-items", str(bad)])
    assert res.exit_code == 2
    assert "bad.csv" in res.output and "missing columns" in res.output


@pytest.mark.skipif(not FIXTURE.exists(), reason="statement fixture not present")
def test_real_statement_file(tmp_path: Path) -> None:
    items = write_open_items(tmp_path / "open.csv")
    res = CliRunner().invoke(
        app, ["match", "--statement", str(FIXTURE), "--open-items", str(items), "--json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows and all(r["decision"] in ("post", "exception", "skip") for r in rows)
