"""Stores as older finbots versions really created them (their DDL, kept in
tests/fixtures/old_stores), holding rows, are adopted by ``finbots db upgrade``: missing
tables, columns, indexes and foreign keys added, short text columns widened, then every
migration run; afterwards the schema is the models' and the rows are all there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, Numeric, inspect, text
from sqlalchemy.engine import Connection

from orchestrator.store import Store
from orchestrator.store.compare import differences
from orchestrator.store.engine import make_engine
from orchestrator.store.migrate import upgrade
from orchestrator.store.schema import SchemaOutOfDateError, head_revision
from tests.store.scratch_db import scratch_db

OLD = Path(__file__).parents[1] / "fixtures" / "old_stores"
WHEN = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
#: c60c69c: the first store (runs, items, cases); 7d4778b: users, schedules, audit, with
#: a shorter case status (VARCHAR(16) refuses a longer one on PostgreSQL only)
CASES = [("c60c69c", "sqlite"), ("7d4778b", "sqlite"),
         pytest.param("7d4778b", "postgres", marks=pytest.mark.postgres)]


def _old_store(url: str, version: str) -> None:
    engine = make_engine(url, foreign_keys=False)
    dialect = engine.dialect.name
    ddl = (OLD / f"{version}.{dialect}.sql").read_text(encoding="utf-8")
    when = WHEN.replace(tzinfo=None).isoformat(" ") if dialect == "sqlite" else WHEN
    try:
        with engine.begin() as conn:
            for statement in ddl.split(";\n"):
                lines = [ln for ln in statement.splitlines() if not ln.startswith("--")]
                if "".join(lines).strip():
                    conn.execute(text("\n".join(lines)))
            _insert(conn, "run", {"id": 4, "bot": "payment-posting", "status": "successful",
                                  "args": "{}", "host": "h1", "started_at": when,
                                  "summary": '{"posted": 2}'}, when)
            _insert(conn, "exception_case", {
                "id": 9, "run_id": 4, "reference": "BANK-0009", "reason_code": "SHORT_PAYMENT",
                "status": "open", "summary": "short by 5.00", "amount": "95.00",
                "created_at": when, "sla_due_at": when}, when)
    finally:
        engine.dispose()


_LISTS = {"credentials", "candidates", "evidence", "apps", "current_run_ids"}


def _insert(conn: Connection, table: str, values: dict[str, object], when: object) -> None:
    """A row with ``values``, and the empty value of its type in every other required
    column that version of the table has."""
    row = dict(values)
    for column in inspect(conn).get_columns(table):
        name, kind = column["name"], column["type"]
        if name in row or column["nullable"] or name == "id":
            continue
        if isinstance(kind, JSON) or "JSON" in str(kind).upper():
            row[name] = "[]" if name in _LISTS else "{}"
        elif isinstance(kind, DateTime):
            row[name] = when
        elif isinstance(kind, Integer | Numeric | Float):
            row[name] = 0
        elif isinstance(kind, Boolean):
            row[name] = False
        else:
            row[name] = "manual"
    names = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES "
                      f"({', '.join(':' + n for n in row)})"), row)


@pytest.mark.parametrize(("version", "backend"), CASES)
def test_an_old_store_with_rows_is_adopted_and_upgraded(version: str, backend: str,
                                                        tmp_path: Path) -> None:
    with scratch_db(backend, tmp_path) as url:
        _adopted_and_upgraded(url, version)


def _adopted_and_upgraded(backend_url: str, version: str) -> None:
    _old_store(backend_url, version)
    with pytest.raises(SchemaOutOfDateError, match="finbots db upgrade"):
        Store(backend_url)
    done = upgrade(backend_url)
    assert done.after == head_revision()
    assert "table login_failure" in done.adopted
    assert "column exception_case.search_text" in done.adopted
    if version == "7d4778b":
        assert "column exception_case.status now VARCHAR(24)" in done.adopted
        assert "column api_token.owner" in done.adopted
    engine = make_engine(backend_url)
    try:
        with engine.connect() as conn:
            assert differences(conn) == []
    finally:
        engine.dispose()
    store = Store(backend_url)
    try:
        run = store.get_run(4)
        assert (run.bot, run.summary, run.started_at) == ("payment-posting", {"posted": 2}, WHEN)
        case = store.get_case(9)
        assert (case.reference, case.amount, case.run_id) == ("BANK-0009", Decimal("95.00"), 4)
        assert case.created_at == WHEN
        # a status longer than the old column allowed (16 characters on PostgreSQL)
        assert store.set_case_status(9, "awaiting_approval").status == "awaiting_approval"
    finally:
        store.close()
