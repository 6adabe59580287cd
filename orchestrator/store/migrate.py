"""Upgrading a store, and writing a new migration.

:func:`upgrade` runs in one transaction holding the schema lock (PostgreSQL's DDL is
transactional, and so is SQLite's): a failed migration leaves the store as it was. On SQLite
it runs with foreign keys off, since a table rebuilt in batch mode is dropped and renamed,
and checks every key afterwards (``PRAGMA foreign_key_check``). There is no downgrade:
restore the backup taken before the upgrade (``finbots db backup``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bots.runtime.errors import StoreError
from orchestrator.store import search_index
from orchestrator.store.engine import make_engine
from orchestrator.store.legacy import BASELINE, adopt, fill_search_text
from orchestrator.store.schema import (
    VERSION_TABLE,
    SchemaOutOfDateError,
    SchemaState,
    alembic_config,
    head_revision,
    migration_lock,
    read_state,
    script_directory,
)

__all__ = ["Upgrade", "merge_heads", "new_revision", "upgrade"]


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What :func:`upgrade` did: the state before, the revision after, what was adopted."""

    before: SchemaState
    after: str
    applied: list[str] = field(default_factory=list)  # revisions run, oldest first
    adopted: list[str] = field(default_factory=list)  # added to a store from before migrations


def upgrade(url: str, revision: str = "head") -> Upgrade:
    """Bring the store at ``url`` to ``revision`` (default: the newest)."""
    engine = make_engine(url, foreign_keys=False)
    try:
        with migration_lock(engine) as conn:
            before = read_state(conn)
            if before.status == "ahead":
                raise SchemaOutOfDateError(before.describe())
            adopted: list[str] = []
            if before.status == "empty" and before.current is not None:
                conn.execute(text(f"DELETE FROM {VERSION_TABLE}"))  # no tables: start over
            if before.status == "unversioned":
                adopted = adopt(conn)
                MigrationContext.configure(conn).stamp(script_directory(), BASELINE)
            start = {"unversioned": BASELINE, "empty": None}.get(before.status, before.current)
            _run_upgrade(conn, revision)
            after = MigrationContext.configure(conn).get_current_revision() or ""
            if adopted and after == head_revision():
                filled = fill_search_text(conn)
                adopted += [f"search text of {filled} case(s)"] if filled else []
            if after == head_revision():  # whatever a migration copied, the index is there
                search_index.install(conn)
            if engine.dialect.name == "sqlite":
                _check_foreign_keys(conn)
        applied = _between(start, after)
        return Upgrade(before, after, applied, adopted)
    finally:
        engine.dispose()


def _run_upgrade(conn: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, revision)


def _between(start: str | None, end: str) -> list[str]:
    """The revisions after ``start`` up to ``end``, oldest first."""
    if not end or start == end:
        return []
    walked = script_directory().iterate_revisions(end, start or "base")
    return [r.revision for r in reversed(list(walked))]


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        msg = (f"after the upgrade {len(broken)} row(s) point at rows that do not exist "
               f"(tables: {', '.join(tables)}); the upgrade was rolled back")
        raise StoreError(msg)


def new_revision(message: str, *, url: str | None = None, empty: bool = False) -> Path:
    """Write a migration for what the models have and the migrations do not (autogenerate).

    The comparison is made against a scratch SQLite store built by the migrations so far
    (``url``: a scratch store of your own, e.g. PostgreSQL, which is left at head). The file
    is tidied with ruff when it is installed. Review it before committing.
    """
    with tempfile.TemporaryDirectory(prefix="finbots-revision-") as scratch:
        target = url or f"sqlite:///{Path(scratch) / 'scratch.db'}"
        upgrade(target)
        engine = make_engine(target, foreign_keys=False)
        try:
            with engine.connect() as conn, conn.begin():
                config = alembic_config()
                config.attributes["connection"] = conn
                script = command.revision(config, message=message, autogenerate=not empty)
        finally:
            engine.dispose()
    scripts = script if isinstance(script, list) else [script]
    if not scripts or scripts[0] is None:
        raise StoreError("no migration written")
    path = Path(scripts[0].path)
    _tidy(path)
    return path


def merge_heads(message: str) -> Path:
    """A migration that joins two heads (two changes written in parallel)."""
    script = command.merge(alembic_config(), "heads", message=message)
    if script is None:
        raise StoreError("no merge written: the migrations have one head")
    return Path(script.path)


def _tidy(path: Path) -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return
    subprocess.run([ruff, "check", "--fix", "--quiet", str(path)], check=False)
    subprocess.run([ruff, "format", "--quiet", str(path)], check=False)

