"""Schema migrations on SQLite and PostgreSQL: the models and the migrations agree, a store
holding data upgrades from the baseline to the newest revision, stores from before
migrations are adopted, and a store of another schema is refused with the command to run."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import insert, text
from sqlmodel import SQLModel

from bots.runtime.errors import StoreError
from orchestrator.store import Store
from orchestrator.store.case_query import CaseFilter
from orchestrator.store.compare import differences
from orchestrator.store.engine import make_engine
from orchestrator.store.legacy import BASELINE, baseline_metadata
from orchestrator.store.migrate import upgrade
from orchestrator.store.schema import SchemaOutOfDateError, head_revision, read_state
from tests.store.scratch_db import scratch_db

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
WHEN = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with scratch_db(request.param, tmp_path) as url:
        yield url


def _state(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return read_state(conn).status
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return differences(conn)
    finally:
        engine.dispose()


def test_migrations_have_one_head() -> None:
    assert head_revision()


def test_running_every_migration_gives_the_models_schema(empty_url: str) -> None:
    done = upgrade(empty_url)
    assert done.applied[0] == BASELINE and done.after == head_revision()
    assert _differences(empty_url) == []


def test_a_new_store_is_created_at_the_newest_revision(empty_url: str) -> None:
    Store(empty_url).close()
    assert _state(empty_url) == "current"
    assert _differences(empty_url) == []
    again = upgrade(empty_url)
    assert again.applied == [] and again.after == head_revision()


@pytest.mark.parametrize("empty_url", ["sqlite"], indirect=True)
def test_a_store_whose_tables_were_dropped_is_created_again(empty_url: str) -> None:
    Store(empty_url).close()
    engine = make_engine(empty_url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            for name in {*baseline_metadata().tables, *SQLModel.metadata.tables}:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'
                                  if conn.dialect.name == "postgresql"
                                  else f'DROP TABLE IF EXISTS "{name}"'))
    finally:
        engine.dispose()
    assert _state(empty_url) == "empty"  # the stamp that is left names no tables
    assert upgrade(empty_url).applied[0] == BASELINE
    assert _differences(empty_url) == []


def _baseline_rows(url: str, *, without: dict[str, set[str]] | None = None,
                   drop: frozenset[str] = frozenset()) -> None:
    """A run with a step, an open case and an audit record, written in the baseline schema
    (``without``: columns an older store lacks, ``drop``: tables it lacks)."""
    metadata = baseline_metadata()
    without = without or {}
    engine = make_engine(url, foreign_keys=False)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)  # tables a stamped store has already are kept
            ops = Operations(MigrationContext.configure(conn))
            for table in drop:
                ops.drop_table(table)
            for table, columns in without.items():
                for index in metadata.tables[table].indexes:
                    if columns & {c.name for c in index.columns}:
                        ops.drop_index(index.name, table_name=table)
                with ops.batch_alter_table(table) as batch:
                    for name in columns:
                        batch.drop_column(name)
            t = metadata.tables
            conn.execute(insert(t["run"]).values(
                id=7, bot="payment-posting", status="successful", args={}, host="h1",
                trigger="manual", credentials=[], created_at=WHEN, started_at=WHEN,
                summary={"posted": 3}))
            conn.execute(insert(t["step"]).values(
                run_id=7, seq=1, started_at=WHEN, action="post", data={}, outcome="ok"))
            case = {"id": 3, "run_id": 7, "reference": "BANK-REF-1", "reason_code": "UNMATCHED",
                    "status": "open", "summary": "no invoice", "data": {}, "candidates": [],
                    "evidence": [], "amount": Decimal("120.50"), "created_at": WHEN,
                    "sla_due_at": WHEN + dt.timedelta(hours=48), "search_text": "bank ref"}
            if "search_text" in without.get("exception_case", set()):
                del case["search_text"]
            conn.execute(insert(t["exception_case"]).values(**case))
            conn.execute(insert(t["audit_record"]).values(
                at=WHEN, actor="fiona", action="case.comment", target="case:3", details={}))
    finally:
        engine.dispose()


def _read_back(store: Store) -> None:
    run = store.get_run(7)
    assert (run.bot, run.status, run.summary, run.started_at) == (
        "payment-posting", "successful", {"posted": 3}, WHEN)
    assert [s.action for s in store.list_steps(7)] == ["post"]
    case = store.get_case(3)
    assert (case.reference, case.amount, case.status) == ("BANK-REF-1", Decimal("120.50"), "open")
    assert [(a.actor, a.action) for a in store.iter_audit()] == [("fiona", "case.comment")]


def test_a_store_holding_data_upgrades_from_the_baseline(empty_url: str) -> None:
    upgrade(empty_url, BASELINE)
    _baseline_rows(empty_url)
    done = upgrade(empty_url)
    assert done.before.current == BASELINE and done.after == head_revision()
    assert _differences(empty_url) == []
    store = Store(empty_url)
    try:
        _read_back(store)
        store.start_run("payment-posting")  # and it keeps working
    finally:
        store.close()


def test_a_store_from_before_migrations_is_refused_then_adopted(empty_url: str) -> None:
    # as the oldest finbots left it: no token owners, no via_token, no search text,
    # no login_failure table (create_all never added a column to a table that existed)
    _baseline_rows(empty_url, without={"api_token": {"owner"}, "audit_record": {"via_token"},
                                       "exception_case": {"search_text"}},
                   drop=frozenset({"login_failure"}))
    assert _state(empty_url) == "unversioned"
    with pytest.raises(SchemaOutOfDateError, match="finbots db upgrade"):
        Store(empty_url)
    done = upgrade(empty_url)
    assert {"table login_failure", "column api_token.owner", "column audit_record.via_token",
            "column exception_case.search_text"} <= set(done.adopted)
    assert done.after == head_revision()
    assert _differences(empty_url) == []
    store = Store(empty_url)
    try:
        _read_back(store)
        assert "invoice" in store.get_case(3).search_text  # the inbox search finds it
        assert [c.id for c in store.search_cases(CaseFilter(q="invoice")).cases] == [3]
    finally:
        store.close()


def test_a_store_of_an_older_revision_is_refused_with_the_command(empty_url: str) -> None:
    Store(empty_url).close()
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed0001'"))
    finally:
        engine.dispose()
    with pytest.raises(SchemaOutOfDateError, match="newer finbots upgraded it"):
        Store(empty_url)
    with pytest.raises(SchemaOutOfDateError, match="does not know"):
        upgrade(empty_url)  # a newer store is never touched


def test_several_nodes_upgrading_at_once_upgrade_once(empty_url: str) -> None:
    results: list[object] = []

    def node() -> None:
        try:
            results.append(upgrade(empty_url))
        except Exception as exc:  # collected: the assertion below names it
            results.append(exc)

    threads = [threading.Thread(target=node) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not [r for r in results if isinstance(r, Exception)], results
    applied = sorted(len(r.applied) for r in results)  # type: ignore[attr-defined]
    assert applied[:2] == [0, 0] and applied[2] >= 1  # one node upgraded, two found it done
    assert _state(empty_url) == "current"


def test_an_upgrade_that_fails_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    _baseline_rows(url, drop=frozenset({"login_failure"}))
    engine = make_engine(url, foreign_keys=False)
    try:  # rows no upgrade may carry on: their run is gone
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM run")
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match="rolled back"):
        upgrade(url)
    assert _state(url) == "unversioned"  # no table added, no stamp
