"""``finbots db backup`` and ``finbots db restore``: a whole store, with its audit anchor.

Backup takes a consistent copy while finbots keeps running: SQLite's online backup API, or
``pg_dump`` in a snapshot exported from the transaction that also counts the rows and reads
the audit trail's newest record, so the manifest describes exactly the copy.

Restore goes into an empty store (one with no rows; ``force`` replaces a store's data),
then checks the restored rows and audit head against the manifest. The restored database
starts a new head checkpoint at the backup's newest audit record (the records written after
the backup are gone on purpose, and the checkpoint of the store it replaced no longer
applies), so ``finbots audit verify`` is intact; when the restored schema is this finbots's,
the restore is itself appended to the trail (``store.restore``).
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bots.runtime.errors import StoreError
from bots.runtime.paths import private_folder
from orchestrator.store import pg_tools
from orchestrator.store.audit_anchor import (
    advance_checkpoint,
    database_id,
    forget_checkpoint,
    read_checkpoint,
)
from orchestrator.store.audit_chain import AuditProblem
from orchestrator.store.audit_key import load_audit_key
from orchestrator.store.backup_file import (
    Manifest,
    file_sha256,
    read_data,
    read_manifest,
    write_backup,
)
from orchestrator.store.engine import make_engine
from orchestrator.store.legacy import baseline_metadata
from orchestrator.store.schema import SchemaState, read_state
from orchestrator.store.sqlite_files import private_sqlite_file
from orchestrator.store.types import utcnow

__all__ = ["Restored", "backup", "restore"]

AUDIT = "audit_record"


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore did: the backup's manifest, the schema now, the trail's check."""

    manifest: Manifest
    state: SchemaState
    problems: list[AuditProblem]
    recorded: bool  # the restore is in the trail (store.restore)


def _facts(conn: Connection) -> tuple[str | None, dict[str, int], dict[str, object] | None]:
    """The schema revision, the rows of every table, the audit trail's newest record."""
    names = sorted(inspect(conn).get_table_names())
    rows = {n: int(conn.execute(select(func.count()).select_from(table(n))).scalar_one())
            for n in names}
    revision = (MigrationContext.configure(conn).get_current_revision()
                if "alembic_version" in names else None)
    head = None
    if AUDIT in names:
        last = conn.execute(text("SELECT id, hash FROM audit_record ORDER BY id DESC LIMIT 1"))
        found = last.first()
        head = {"id": int(found[0]), "hash": found[1]} if found else None
    return revision, rows, head


def _sqlite_path(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise StoreError("only a SQLite store in a file can be backed up or restored")
    return Path(name).expanduser()


def backup(url: str, path: Path, *, force: bool = False) -> Manifest:
    """Write a backup of the store at ``url`` to ``path`` (mode 0600)."""
    engine = make_engine(url)
    key = load_audit_key()
    try:
        db = database_id(engine.url)
        held = read_checkpoint(db, key) if db is not None else None
        checkpoint = ({"id": held.id, "hash": held.hash}
                      if held is not None and held.authentic else None)
        with tempfile.TemporaryDirectory(prefix="finbots-backup-") as scratch:
            copy = Path(scratch) / "copy"
            if engine.dialect.name == "sqlite":
                revision, rows, head = _sqlite_copy(_sqlite_path(engine), copy)
            else:
                revision, rows, head = _pg_copy(engine, url, copy)
            manifest = Manifest(engine.dialect.name, revision, utcnow().isoformat(), rows,
                                head, checkpoint, file_sha256(copy)).signed(key)
            write_backup(path, manifest, copy, force=force)
        return manifest
    finally:
        engine.dispose()


def _sqlite_copy(db: Path, copy: Path) -> tuple[str | None, dict[str, int],
                                                 dict[str, object] | None]:
    if not db.is_file():
        raise StoreError(f"{db}: no such store")
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # consistent while others write
    finally:
        target.close()
        source.close()
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as conn:
            return _facts(conn)
    finally:
        engine.dispose()


def _pg_copy(engine: Engine, url: str, copy: Path) -> tuple[str | None, dict[str, int],
                                                              dict[str, object] | None]:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _facts(conn)
            pg_tools.dump(url, copy, snapshot=str(snapshot))  # the same rows as counted
    return facts


def restore(url: str, path: Path, *, actor: str, force: bool = False) -> Restored:
    """Restore the backup at ``path`` into the store at ``url``."""
    manifest = read_manifest(path)
    key = load_audit_key()
    manifest.check(key, path)
    engine = make_engine(url)
    try:
        if engine.dialect.name != manifest.backend:
            msg = (f"{path} is a backup of a {manifest.backend} store; {url.split(':')[0]} "
                   f"stores are restored from their own backups")
            raise StoreError(msg)
        with engine.connect() as conn:
            _revision, rows, _head = _facts(conn)
        held = sum(n for name, n in rows.items() if name != "alembic_version")
        if held and not force:
            msg = (f"the store holds {held} rows: restore into an empty store, or use --force "
                   "to replace its data with the backup's")
            raise StoreError(msg)
        with tempfile.TemporaryDirectory(prefix="finbots-restore-") as scratch:
            copy = Path(scratch) / "copy"
            read_data(path, manifest, copy)
            if engine.dialect.name == "sqlite":
                target = _sqlite_path(engine)
                engine.dispose()
                _sqlite_restore(copy, target)
            else:
                _pg_restore(engine, url, copy)
        return _after_restore(engine, url, path, manifest, key, actor)
    finally:
        engine.dispose()


def _sqlite_restore(copy: Path, target: Path) -> None:
    private_folder(target.parent, tighten=False)
    private_sqlite_file(target)
    source = sqlite3.connect(copy)
    dest = sqlite3.connect(target, timeout=30)
    try:
        source.backup(dest)  # the whole database, page by page, under the target's lock
    finally:
        dest.close()
        source.close()


def _pg_restore(engine: Engine, url: str, dump: Path) -> None:
    """Drop the store's tables (those of any finbots version), then load the dump.

    Two steps: if loading fails, the store is left without tables (restore again).
    """
    names = {*baseline_metadata().tables, *SQLModel.metadata.tables, "alembic_version"}
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        present = set(inspect(conn).get_table_names()) & names
        for name in sorted(present):
            conn.execute(text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))
    pg_tools.restore(url, dump)


def _after_restore(engine: Engine, url: str, path: Path, manifest: Manifest,
                   key: bytes | None, actor: str) -> Restored:
    checker = make_engine(url)
    try:
        with checker.connect() as conn:
            _revision, rows, head = _facts(conn)
            state = read_state(conn)
    finally:
        checker.dispose()
    wrong = {t: (n, rows.get(t)) for t, n in manifest.rows.items() if rows.get(t) != n}
    if wrong or head != manifest.audit_head:
        msg = (f"the restored store does not hold what {path} says: "
               + "; ".join(f"{t}: {got} rows, expected {want}" for t, (want, got)
                           in sorted(wrong.items()))
               + ("" if head == manifest.audit_head else
                  f"; audit head {head}, expected {manifest.audit_head}"))
        raise StoreError(msg)
    db = database_id(engine.url)
    if db is not None:
        forget_checkpoint(db, key)  # the replaced store's checkpoint no longer applies
        if key is not None and head is not None and head.get("hash"):
            advance_checkpoint(db, key, int(head["id"]), str(head["hash"]))
    recorded = False
    problems: list[AuditProblem] = []
    if state.status == "current":
        from orchestrator.store.store import Store

        store = Store(url)
        try:
            store.record_audit(actor, "store.restore", "store", {
                "backup": path.name, "taken_at": manifest.taken_at,
                "backup_head_id": (head or {}).get("id"), "revision": manifest.revision})
            recorded = True
            problems = store.verify_audit()
        finally:
            store.close()
    return Restored(manifest, state, problems, recorded)
