"""A month end ends ``finbots match`` at once: output complete, exit code kept.

The command asks the entry point not to free millions of objects one by one
(``bots.runtime.quick_exit``). What the user sees must not change: the decisions written
in full through a pipe, the exit code, an error's message. The threshold is lowered in
the child so that the fixture statement counts as a month end; an ``atexit`` hook tells
whether the process ended at once (it does not run) or the usual way (it runs).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.runtime import quick_exit
from orchestrator.cli import with_plugins

ROOT = Path(__file__).parents[2]
STATEMENT = ROOT / "tests" / "fixtures" / "statements" / "camt053_v08_northwind.xml"
ITEMS = ("invoice_number,customer_id,customer_name,customer_iban,amount_open,currency,"
         "due_date,creditor_reference\n"
         "INV-2026-1001,C1,Acme Industrial GmbH,DE89370400440532013000,1190.00,EUR,"
         "2026-11-30,RF79INV20261001\n")
CHILD = """
import atexit, sys
atexit.register(lambda: print("atexit hook ran", file=sys.stderr))
import bots.cashapp.cli
bots.cashapp.cli.QUICK_EXIT_DECISIONS = int(sys.argv[1])
sys.argv = ["finbots", *sys.argv[2:]]
from orchestrator.cli import main
main()
"""


def _finbots(threshold: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, str(threshold), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "open.csv"
    path.write_text(ITEMS, encoding="utf-8")
    return path


def test_a_month_end_ends_at_once_with_every_decision_written(items: Path) -> None:
    args = ("match", "--statement", str(STATEMENT), "--open-items", str(items), "--json")
    done = _finbots(1, *args)
    assert done.returncode == 0, done.stderr
    assert "atexit hook ran" not in done.stderr  # ended without the usual shutdown
    in_process = CliRunner().invoke(with_plugins(), list(args))
    quick_exit.release()
    assert in_process.exit_code == 0
    assert done.stdout == in_process.output  # the whole JSON, nothing cut off
    assert len(json.loads(done.stdout)) >= 3


def test_a_small_statement_and_an_error_end_the_usual_way(items: Path, tmp_path: Path) -> None:
    small = _finbots(10_000, "match", "--statement", str(STATEMENT), "--open-items",
                     str(items), "--json")
    assert small.returncode == 0 and "atexit hook ran" in small.stderr
    missing = _finbots(1, "match", "--statement", str(tmp_path / "none.xml"),
                       "--open-items", str(items))
    assert missing.returncode == 2
    assert "none.xml" in missing.stderr and "atexit hook ran" in missing.stderr
