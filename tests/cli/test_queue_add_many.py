"""``finbots queues add-many``: a file of items added in one call, every bad line named,
nothing added while one is bad, live references skipped and named, size limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.services import item_batch
from orchestrator.store import Store

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    monkeypatch.setenv("FINBOTS_ACTOR", "controller.jane")
    s = Store(url)
    s.ensure_queue("invoices", max_retries=0)
    return s


def _lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_ten_thousand_items_in_one_call(store: Store, tmp_path: Path) -> None:
    rows = [{"reference": f"INV-{n:05d}", "payload": {"amount": f"{n}.50"},
             "priority": n % 3} for n in range(10_000)]
    rows[7]["deadline"] = "2030-01-31T17:00:00"
    result = runner.invoke(app, ["queues", "add-many", "invoices",
                                 str(_lines(tmp_path / "items.jsonl", rows)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["added"] == 10_000 and data["skipped"] == []
    assert store.queue_counts()["invoices"] == {"new": 10_000}
    item = store.find_item("invoices", "INV-00007")
    assert item is not None and item.payload == {"amount": "7.50"} and item.priority == 1
    assert item.deadline is not None and item.deadline.isoformat() == "2030-01-31T17:00:00+00:00"
    audit = store.list_audit(action="items.add")
    assert [(a.actor, a.target, a.details["added"]) for a in audit] == [
        ("controller.jane", "invoices", 10_000)]


def test_every_bad_line_is_named_and_nothing_is_added(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"reference": "A-1"}\n'
                    "\n"
                    "# a comment line\n"
                    '{"reference": ""}\n'
                    '{"reference": "A-5", "payload": [1]}\n'
                    '{"reference": "A-6", "amount": "1.00"}\n'
                    '{"reference": "A-7", "deadline": "next friday"}\n'
                    '{"reference": "A-8", "priority": 5000}\n'
                    "{not json\n"
                    '{"reference": "A\\u0000-10"}\n')
    result = runner.invoke(app, ["queues", "add-many", "invoices", str(path)])
    assert result.exit_code == 1
    for line, says in ((4, "reference"), (5, "payload"), (6, "unknown field(s) amount"),
                       (7, "deadline"), (8, "priority"), (9, "not JSON"), (10, "NUL")):
        assert f"{path} line {line}: " in result.output and says in result.output
    assert "line 1:" not in result.output
    assert store.queue_counts().get("invoices", {}) == {}


def test_live_references_are_skipped_and_named(store: Store, tmp_path: Path) -> None:
    store.add_item("invoices", "B-2")
    path = _lines(tmp_path / "b.jsonl", [{"reference": "B-1"}, {"reference": "B-2"},
                                         {"reference": "B-1"}])
    result = runner.invoke(app, ["queues", "add-many", "invoices", str(path)])
    assert result.exit_code == 0, result.output
    assert "Added 1 item(s)" in result.output
    assert "line 2 (B-2)" in result.output and "line 3 (B-1)" in result.output
    assert store.queue_counts()["invoices"] == {"new": 2}


def test_a_json_list_from_standard_input(store: Store) -> None:
    body = json.dumps([{"reference": "C-1"}, {"reference": "C-2", "not_before": None}])
    result = runner.invoke(app, ["queues", "add-many", "invoices", "-", "--json"], input=body)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["added"] == 2
    bad = runner.invoke(app, ["queues", "add-many", "invoices", "-"],
                        input=json.dumps([{"reference": "C-3"}, 7]))
    assert bad.exit_code == 1 and "standard input item 2: an item must be a JSON object" \
        in bad.output


def test_unknown_queue_missing_file_and_limits(store: Store, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = _lines(tmp_path / "d.jsonl", [{"reference": "D-1"}, {"reference": "D-2"}])
    unknown = runner.invoke(app, ["queues", "add-many", "nope", str(path)])
    assert unknown.exit_code == 1 and "No work queue 'nope'" in unknown.output
    missing = runner.invoke(app, ["queues", "add-many", "invoices", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "Cannot read" in missing.output
    monkeypatch.setattr(item_batch, "MAX_ITEMS", 1)
    many = runner.invoke(app, ["queues", "add-many", "invoices", str(path)])
    assert many.exit_code == 1 and "more than 1 in one call" in many.output
    monkeypatch.setattr(item_batch, "MAX_BYTES", 10)
    big = runner.invoke(app, ["queues", "add-many", "invoices", str(path)])
    assert big.exit_code == 1 and "more than 10" in big.output
    assert store.queue_counts().get("invoices", {}) == {}
