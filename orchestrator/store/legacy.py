"""Stores made before migrations: brought to the baseline revision, then stamped there.

Older finbots made the store with ``create_all``, which adds missing tables but never a
missing column, so a store's shape depended on the version that first made it (some lack
``api_token.owner``, ``audit_record.via_token``, ``exception_case.search_text`` or the
``login_failure`` table). :func:`adopt` compares such a store with the baseline revision's
frozen schema and adds what it lacks: tables (with their indexes), columns, indexes.
"""

from __future__ import annotations

from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    inspect,
    text,
)
from sqlalchemy.engine import Connection

from bots.runtime.errors import StoreError
from orchestrator.store.schema import script_directory
from orchestrator.store.types import utcnow

__all__ = ["BASELINE", "adopt", "baseline_metadata"]

BASELINE = "0001_baseline"


class _Recorder:
    """Stands in for alembic's ``op``: the baseline's tables and indexes into a MetaData."""

    def __init__(self) -> None:
        self.metadata = MetaData()

    @staticmethod
    def f(name: str) -> str:
        return name

    def create_table(self, name: str, *items: Any, **kw: Any) -> None:
        Table(name, self.metadata, *items, **kw)

    def create_index(self, name: str, table: str, columns: list[str], unique: bool = False,
                     **kw: Any) -> None:
        owner = self.metadata.tables[table]
        Index(name, *(owner.c[c] for c in columns), unique=unique, **kw)


def baseline_metadata() -> MetaData:
    """The baseline revision's schema, as SQLAlchemy tables."""
    module = script_directory().get_revision(BASELINE).module  # type: ignore[union-attr]
    recorder = _Recorder()
    module.build(recorder)
    return recorder.metadata


def adopt(conn: Connection) -> list[str]:
    """Add to an unversioned store what the baseline has and it lacks; say what was added."""
    baseline = baseline_metadata()
    found = inspect(conn)
    existing = set(found.get_table_names())
    missing = [t for t in baseline.sorted_tables if t.name not in existing]
    baseline.create_all(conn, tables=missing)
    added = [f"table {t.name}" for t in missing]
    ops = Operations(MigrationContext.configure(conn))
    for table in baseline.sorted_tables:
        if table.name not in existing:
            continue
        columns = {c["name"] for c in found.get_columns(table.name)}
        for column in table.columns:
            if column.name not in columns:
                ops.add_column(table.name, _addable(table.name, column, conn.dialect.name))
                added.append(f"column {table.name}.{column.name}")
        added += _reshape(ops, table, found.get_columns(table.name),
                          found.get_foreign_keys(table.name))
        indexes = {i["name"] for i in found.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)
                added.append(f"index {index.name}")
    return added


def _reshape(ops: Operations, table: Table, columns: list[Any],
             foreign_keys: list[Any]) -> list[str]:
    """Widen text columns an older version made shorter, add the foreign keys it lacked
    (one batch per table: SQLite rebuilds the table, PostgreSQL alters it in place)."""
    lengths = {c["name"]: getattr(c["type"], "length", None) for c in columns}
    widen = [c for c in table.columns if isinstance(c.type, String) and c.name in lengths
             and lengths[c.name] is not None and lengths[c.name] != c.type.length]
    have = {(tuple(fk["constrained_columns"]), fk["referred_table"]) for fk in foreign_keys}
    missing = [fk for fk in table.foreign_key_constraints
               if (tuple(fk.column_keys), fk.referred_table.name) not in have]
    if not widen and not missing:
        return []
    with ops.batch_alter_table(table.name) as batch:
        for column in widen:
            batch.alter_column(column.name, type_=column.type,
                               existing_nullable=column.nullable)
        for fk in missing:
            local = list(fk.column_keys)
            remote = [e.column.name for e in fk.elements]
            batch.create_foreign_key(f"{table.name}_{'_'.join(local)}_fkey",
                                     fk.referred_table.name, local, remote,
                                     ondelete=fk.ondelete)
    return ([f"column {table.name}.{c.name} now {c.type}" for c in widen]
            + [f"foreign key {table.name}.{'_'.join(fk.column_keys)}" for fk in missing])


#: The empty value a NOT NULL column added to rows that exist gets, by its type.
_EMPTY: tuple[tuple[type[Any], str], ...] = (
    (String, "''"), (Boolean, "false"), (Integer, "0"), (Numeric, "0"), (JSON, "'{}'"),
)


def _addable(table: str, column: Column[Any], dialect: str) -> Column[Any]:
    """A copy of ``column`` that can be added to a table with rows: a NOT NULL column gets
    the empty value of its type as the database default, a time the time of the upgrade."""
    if column.nullable:
        return Column(column.name, column.type, nullable=True)
    if isinstance(column.type, DateTime):
        now = utcnow()
        value = (now.replace(tzinfo=None).isoformat(" ") if dialect == "sqlite"
                 else now.isoformat())
        return Column(column.name, column.type, nullable=False, server_default=f"{value}")
    for kind, empty in _EMPTY:
        if isinstance(column.type, kind):
            return Column(column.name, column.type, nullable=False, server_default=text(empty))
    msg = (f"cannot add the required column {table}.{column.name} to a store that has rows: "
           "no default for its type")
    raise StoreError(msg)


def fill_search_text(conn: Connection, batch: int = 1000) -> int:
    """Give the cases of an adopted store the searchable text the inbox search looks in
    (made with today's models: run once the store is at the newest revision)."""
    from sqlmodel import Session, col, select

    from orchestrator.store.case_search import case_search_text
    from orchestrator.store.models import ExceptionCase

    filled, after = 0, 0
    with Session(bind=conn) as session:  # inside the upgrade's transaction
        while True:
            cases = list(session.exec(
                select(ExceptionCase).where(col(ExceptionCase.search_text) == "",
                                            col(ExceptionCase.id) > after)
                .order_by(col(ExceptionCase.id)).limit(batch)))
            for case in cases:
                case.search_text = case_search_text(case)
                session.add(case)
            session.flush()
            filled += len(cases)
            if len(cases) < batch:
                return filled
            after = cases[-1].id or after
            session.expunge_all()
