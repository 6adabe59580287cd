"""finbots match with the statement parsed on the second core (a forked child process).

``finbots match`` runs in a process of its own with the statement parsed in a child
(``FINBOTS_MATCH_PARALLEL=1``: no fork from the test process, which may hold threads),
and in the test process with the statement parsed in the same process (``=0``): the
decisions, and the errors with their file and place, must be the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import with_plugins

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "statements"
HEADER = ("invoice_number,customer_id,customer_name,customer_iban,amount_open,currency,"
          "due_date,creditor_reference\n")
ITEMS = (HEADER
         + "INV-2026-1001,C1,Acme Industrial GmbH,DE89370400440532013000,1190.00,EUR,"
           "2026-11-30,RF79INV20261001\n"
         + "INV-2026-1002,C2,Borealis Foods AB,,2380.00,EUR,2026-11-30,\n")


def _in_child(statement: Path, items: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FINBOTS_MATCH_PARALLEL": "1"}
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "match", "--statement", str(statement),
         "--open-items", str(items), "--json", "--timings"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)


def _here(statement: Path, items: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Exit code and output of the same command, the statement parsed in this process."""
    monkeypatch.setenv("FINBOTS_MATCH_PARALLEL", "0")
    res = CliRunner().invoke(with_plugins(), [
        "match", "--statement", str(statement), "--open-items", str(items), "--json"])
    return res.exit_code, res.output


def test_decisions_are_the_same_when_the_statement_is_parsed_in_a_child(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = tmp_path / "open.csv"
    items.write_text(ITEMS, encoding="utf-8")
    statement = FIXTURES / "camt053_v08_northwind.xml"
    child, (code, output) = _in_child(statement, items), _here(statement, items, monkeypatch)
    assert child.returncode == code == 0, child.stderr + output
    assert child.stdout == output
    rows = json.loads(child.stdout)
    acme = next(r for r in rows if r["entry_id"] == "1-1")
    assert acme["decision"] == "post"
    assert [a["invoice_number"] for a in acme["allocations"]] == ["INV-2026-1001"]
    timings = json.loads(child.stderr.strip().splitlines()[-1])
    # the parse ran in the child: its CPU seconds count in the total of all processes
    assert timings["elapsed"]["cpu"] >= timings["cpu"]["parse"] > 0
    assert timings["elapsed"]["wall"] > 0


def test_a_statement_error_from_the_child_names_file_and_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = tmp_path / "open.csv"
    items.write_text(ITEMS, encoding="utf-8")
    source = (FIXTURES / "camt053_v08_northwind.xml").read_text(encoding="utf-8")
    statement = tmp_path / "bad-amount.xml"
    statement.write_text(source.replace('<Amt Ccy="EUR">2380.00</Amt>',
                                        '<Amt Ccy="EUR">23,80.0x</Amt>', 1), encoding="utf-8")
    child, (code, output) = _in_child(statement, items), _here(statement, items, monkeypatch)
    assert child.returncode == code == 2
    assert child.stderr == output
    assert str(statement) in child.stderr and "Ntry[2]/Amt" in child.stderr


def test_the_statement_error_comes_before_an_open_items_error(tmp_path: Path) -> None:
    items = tmp_path / "open.csv"
    items.write_text(HEADER + "INV-1,C1,Acme,,not-money,EUR,2026-11-30,\n", encoding="utf-8")
    statement = tmp_path / "no-account.xml"
    source = (FIXTURES / "camt053_v08_northwind.xml").read_text(encoding="utf-8")
    statement.write_text(source.replace("<Stmt>", "<Stmt><Unknown/>", 1).replace(
        "<Acct>", "<Acct2>", 1).replace("</Acct>", "</Acct2>", 1), encoding="utf-8")
    child = _in_child(statement, items)
    assert child.returncode == 2
    assert str(statement) in child.stderr and "missing element Acct" in child.stderr
    assert "not-money" not in child.stderr
