"""``finbots customers find|show`` against a real SQLite store: what a service person sees
on the command line, and each read audited with who ran it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from customerseed import seed_customer
from typer.testing import CliRunner

from orchestrator.cli import customers as customers_cli
from orchestrator.store import Store

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "sam.service")
    monkeypatch.setenv("COLUMNS", "200")
    s = Store(url)
    seed_customer(s)
    return s


def test_find_lists_the_customer_and_what_it_was_found_by(store: Store) -> None:
    out = runner.invoke(customers_cli.app, ["find", "INV-7003"])
    assert out.exit_code == 0, out.output
    assert "C7001" in out.output and "Nordlicht Werkzeuge GmbH" in out.output
    assert "invoice: INV-7003-C7001" in out.output
    missing = runner.invoke(customers_cli.app, ["find", "nobody-here"])
    assert missing.exit_code == 1 and "no customer found" in missing.output
    short = runner.invoke(customers_cli.app, ["find", "x"])
    assert short.exit_code == 2 and "at least 2" in short.output


def test_show_prints_the_status_and_audits_the_read(store: Store) -> None:
    out = runner.invoke(customers_cli.app, ["show", "C7001"])
    assert out.exit_code == 0, out.output
    for text in ("Nordlicht Werkzeuge GmbH", "partially paid", "disputed", "on hold",
                 "with a person", "SHORT_PAYMENT", "by run 41"):
        assert text in out.output, text
    data = json.loads(runner.invoke(customers_cli.app, ["show", "C7001", "--json"]).output)
    assert data["timeline"]["total"] == 5 and data["credit"]["limit"] == "5000.00"
    assert data["freshness"]["invoices"]["run_id"] == "41"
    reads = store.list_audit(action="customer.view", target="customer:C7001")
    assert [(r.actor, r.details["via"]) for r in reads] == [("sam.service", "cli")] * 2
    gone = runner.invoke(customers_cli.app, ["show", "C0000"])
    assert gone.exit_code == 1 and "no customer 'C0000'" in gone.output
