"""``finbots runs``, ``runs show`` and ``exceptions`` against a real SQLite store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from orchestrator.cli import runs as runs_cli
from orchestrator.store import Store

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    return Store(url)


@pytest.fixture
def seeded(store: Store) -> dict[str, int]:
    store.register_bot("payment-posting", "1.0.0", "posts payments", ["legacy_erp"])
    store.ensure_queue("payments")
    done = store.start_run("payment-posting", {"date": "2024-03-01"}, "host-a", 10)
    for ref in ("P01", "P02", "P03"):
        store.add_item("payments", ref, {"amount": Decimal("10.00")})
    for outcome in ("ok", "ok", "business"):
        item = store.claim_item("payments", "robot", run_id=done.id)
        assert item is not None
        if outcome == "ok":
            store.complete_item(item.id, {})
        else:
            store.fail_item(item.id, "business", "UNMATCHED", "no invoice")
            store.open_case(done.id, item.id, "BANK-[0003]", "UNMATCHED",
                            "No open invoice for 950.00", {"amount": Decimal("950.00")},
                            [], ["runs/1/erp.png"], "exact-reference",
                            amount=Decimal("950.00"), customer_id="C-002")
    store.add_step(done.id, app="legacy_erp", selector="login.username", action="fill",
                   locator="css=input[name=userid]", outcome="ok", duration_ms=12)
    store.add_step(done.id, app="legacy_erp", selector="post.submit", action="click",
                   outcome="failed", duration_ms=5000, message="Timeout 5000ms",
                   evidence="runs/1/step-2.png")
    store.finish_run(done.id, "successful", {"posted": 2}, None)
    failed = store.start_run("other-bot", {}, "host-a", 11)
    store.finish_run(failed.id, "failed", {}, "ERP down")
    return {"done": done.id, "failed": failed.id}


def test_runs_table(seeded: dict[str, int]) -> None:
    result = runner.invoke(runs_cli.app, [])
    assert result.exit_code == 0, result.output
    assert "payment-posting" in result.output and "other-bot" in result.output
    assert "successful" in result.output and "failed" in result.output


def test_runs_json_and_filters(seeded: dict[str, int]) -> None:
    result = runner.invoke(runs_cli.app, ["--json"])
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [seeded["failed"], seeded["done"]]
    first = rows[1]
    assert (first["items_ok"], first["items_failed"], first["exceptions"]) == (2, 1, 1)
    assert first["started_at"].endswith("+00:00")
    assert list(first) == ["id", "bot", "bot_version", "status", "host", "pid", "started_at",
                           "finished_at", "duration_s", "items_ok", "items_failed",
                           "exceptions"]
    only = json.loads(runner.invoke(runs_cli.app, ["--bot", "other-bot", "--json"]).output)
    assert [r["id"] for r in only] == [seeded["failed"]]
    only = json.loads(runner.invoke(runs_cli.app, ["--status", "successful", "--json"]).output)
    assert [r["id"] for r in only] == [seeded["done"]]
    assert len(json.loads(runner.invoke(runs_cli.app, ["--limit", "1", "--json"]).output)) == 1


def test_runs_empty(store: Store) -> None:
    result = runner.invoke(runs_cli.app, [])
    assert result.exit_code == 0 and "No runs." in result.output


def test_show_timeline(seeded: dict[str, int]) -> None:
    result = runner.invoke(runs_cli.app, ["show", str(seeded["done"])])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("payment-posting", "login.username", "post.submit", "Timeout 5000ms",
                 "runs/1/step-2.png", "posted"):
        assert text in out


def test_show_json(seeded: dict[str, int]) -> None:
    result = runner.invoke(runs_cli.app, ["show", str(seeded["done"]), "--json"])
    data = json.loads(result.output)
    assert data["run"]["status"] == "successful" and data["run"]["summary"] == {"posted": 2}
    assert [s["seq"] for s in data["steps"]] == [1, 2]
    assert data["steps"][1]["outcome"] == "failed"
    assert data["steps"][0]["locator"] == "css=input[name=userid]"
    assert data["steps"][0]["started_at"].endswith("+00:00")


def test_show_unknown_run(store: Store) -> None:
    result = runner.invoke(runs_cli.app, ["show", "4711"])
    assert result.exit_code == 1
    assert "No run with id 4711" in result.output


def _exceptions_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(runs_cli.exceptions)
    return app


def test_exceptions_table_and_json(seeded: dict[str, int]) -> None:
    app = _exceptions_app()
    table = runner.invoke(app, [])
    assert table.exit_code == 0, table.output
    for text in ("UNMATCHED", "BANK-[0003]", "950.00", "C-002", "No open invoice"):
        assert text in table.output
    rows = json.loads(runner.invoke(app, ["--json"]).output)
    assert len(rows) == 1
    case = rows[0]
    assert case["amount"] == "950.00" and case["reason_code"] == "UNMATCHED"
    assert case["data"] == {"amount": "950.00"} and case["overdue"] is False
    assert case["sla_due_at"].endswith("+00:00") and case["run_id"] == seeded["done"]


def test_exceptions_filters(seeded: dict[str, int]) -> None:
    app = _exceptions_app()

    def ids(*args: str) -> list[int]:
        return [c["id"] for c in json.loads(runner.invoke(app, [*args, "--json"]).output)]

    assert len(ids("--reason", "UNMATCHED")) == 1
    assert ids("--reason", "SHORT_PAYMENT") == []
    assert ids("--status", "closed") == []
    assert len(ids("--run", str(seeded["done"]))) == 1
    assert ids("--run", str(seeded["failed"])) == []
    assert "No exception cases." in runner.invoke(app, ["--status", "closed"]).output
