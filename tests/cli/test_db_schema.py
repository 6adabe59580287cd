"""``finbots db status|upgrade|check``, and ``serve`` and the demo refusing an old schema
with the command to run (a SQLite store made before migrations, as an operator has it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app, with_plugins
from orchestrator.store import Store
from orchestrator.store.engine import make_engine
from orchestrator.store.legacy import baseline_metadata

runner = CliRunner()


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store as a finbots from before migrations left it: tables, a run, no stamp."""
    url = f"sqlite:///{tmp_path / 'data' / 'finbots.db'}"
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_DB_URL", url)
    metadata = baseline_metadata()
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn, tables=[t for t in metadata.sorted_tables
                                              if t.name != "login_failure"])
            conn.exec_driver_sql(
                "INSERT INTO bot (name, version, description, apps, registered_at) "
                "VALUES ('payment-posting', '1.0', '', '[]', '2026-11-30 09:00:00')")
    finally:
        engine.dispose()
    return url


def test_serve_refuses_an_old_schema_and_names_the_command(old_store: str) -> None:
    result = runner.invoke(app, ["serve", "--robots", "0"])
    assert result.exit_code == 2
    assert "from before schema migrations" in result.output
    assert "finbots db upgrade" in result.output


def test_the_demo_refuses_a_kept_store_of_an_old_schema(old_store: str) -> None:
    result = runner.invoke(with_plugins(), ["demo", "--no-fresh", "--no-serve"])
    assert result.exit_code == 2, result.output
    assert "finbots db upgrade" in result.output
    assert "sandbox targets" not in result.output  # refused before anything started


def test_status_then_upgrade_then_status(old_store: str) -> None:
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 2 and "finbots db upgrade" in result.output

    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "added table login_failure" in result.output
    assert "now at revision" in result.output

    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 0 and "is current" in result.output
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and "already at revision" in result.output
    store = Store(old_store)  # usable again, with its data
    try:
        assert [b.name for b in store.list_bots()] == ["payment-posting"]
    finally:
        store.close()
