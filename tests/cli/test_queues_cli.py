"""``finbots queues ...`` and ``finbots audit`` through the root app, on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.store import Store

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "controller.jane")
    monkeypatch.setenv("COLUMNS", "200")
    s = Store(url)
    s.ensure_queue("payment-posting", max_retries=0)
    return s


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _add(ref: str, *extra: str) -> int:
    out = _ok("queues", "add", "payment-posting", ref, "--json", *extra)
    item_id: int = json.loads(out)["id"]
    return item_id


def test_add_and_duplicate_refused(store: Store) -> None:
    data = json.loads(_ok("queues", "add", "payment-posting", "NWB-0001", "--payload",
                          '{"amount": "950.00"}', "--priority", "5", "--deadline",
                          "2030-01-31T17:00:00", "--json"))
    assert data["state"] == "new" and data["payload"] == {"amount": "950.00"}
    assert data["priority"] == 5 and data["deadline"] == "2030-01-31T17:00:00+00:00"
    again = runner.invoke(app, ["queues", "add", "payment-posting", "NWB-0001"])
    assert again.exit_code == 1
    assert "already has a live item with reference 'NWB-0001'" in again.output
    assert len(store.list_items("payment-posting")) == 1
    bad = runner.invoke(app, ["queues", "add", "payment-posting", "X", "--payload", "[1]"])
    assert bad.exit_code == 1 and "JSON object" in bad.output
    unknown = runner.invoke(app, ["queues", "add", "nope", "X"])
    assert unknown.exit_code == 1 and "No work queue 'nope'" in unknown.output


def test_list_items_and_show(store: Store) -> None:
    first, second = _add("NWB-0001"), _add("NWB-0002")
    rows = json.loads(_ok("queues", "items", "payment-posting", "--json"))
    assert [r["id"] for r in rows] == [first, second]
    assert rows[0]["created_at"].endswith("+00:00")
    assert json.loads(_ok("queues", "items", "payment-posting", "--state", "failed",
                          "--json")) == []
    assert "NWB-0002" in _ok("queues", "items", "payment-posting")
    listing = _ok("queues", "list")
    assert "payment-posting" in listing
    counts = json.loads(_ok("queues", "list", "--json"))[0]["counts"]
    assert counts["new"] == 2 and counts["failed"] == 0
    assert json.loads(_ok("queues", "show", str(first), "--json"))["reference"] == "NWB-0001"
    assert "NWB-0001" in _ok("queues", "show", str(first))
    missing = runner.invoke(app, ["queues", "show", "4711"])
    assert missing.exit_code == 1 and "No work item with id 4711" in missing.output


def _fail(store: Store, item_id: int, kind: str) -> None:
    claimed = store.claim_item("payment-posting", "robot")
    assert claimed is not None and claimed.id == item_id
    store.fail_item(item_id, kind, "UNMATCHED", "no open invoice", owner="robot")


def test_retry_several_and_refusals(store: Store) -> None:
    app_failed, biz_failed, fresh = _add("P1"), _add("P2"), _add("P3")
    _fail(store, app_failed, "application")
    _fail(store, biz_failed, "business")
    out = _ok("queues", "retry", str(app_failed), str(biz_failed))
    assert out.count("Retried item") == 2
    for item_id in (app_failed, biz_failed):
        assert store.get_item(item_id).state == "retried"
    clones = store.list_items("payment-posting", state="new")
    assert sorted(c.reference for c in clones) == ["P1", "P2", "P3"]
    refused = runner.invoke(app, ["queues", "retry", str(fresh), "4711"])
    assert refused.exit_code == 1
    assert f"Item {fresh} is new: only failed or abandoned" in refused.output
    assert "No work item with id 4711" in refused.output


def test_delete_only_new(store: Store) -> None:
    item_id = _add("P1")
    assert "Deleted item" in _ok("queues", "delete", str(item_id))
    assert store.get_item(item_id).state == "deleted"
    again = runner.invoke(app, ["queues", "delete", str(item_id)])
    assert again.exit_code == 1
    assert "is deleted: only new items can be deleted" in again.output


def test_audit_shows_actions_with_actor(store: Store) -> None:
    kept, dropped = _add("NWB-0001"), _add("NWB-0002")
    _fail(store, kept, "application")
    _ok("queues", "retry", str(kept))
    _ok("queues", "delete", str(dropped))
    runner.invoke(app, ["queues", "delete", "4711"])  # refused: not audited
    rows = json.loads(_ok("audit", "list", "--json"))
    assert [r["action"] for r in rows] == ["item.delete", "item.retry", "item.add", "item.add"]
    assert {r["actor"] for r in rows} == {"controller.jane"}
    assert rows[0]["target"] == f"payment-posting/NWB-0002:{dropped}"
    assert rows[1]["target"] == f"payment-posting/NWB-0001:{kept}"
    assert rows[1]["details"]["failure_kind"] == "application"
    assert rows[1]["at"].endswith("+00:00")
    table = _ok("audit", "list", "--limit", "2")
    assert "controller.jane" in table and "item.retry" in table and "item.add" not in table
    assert [r["action"] for r in json.loads(_ok("audit", "list", "--action", "item.add",
                                                 "--json"))] == ["item.add", "item.add"]
