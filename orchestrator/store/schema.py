"""Which schema a store holds, and the one this finbots needs.

The schema is versioned by Alembic revisions (``migrations/versions``). A store is:

* ``empty``: none of the store's tables yet. :func:`prepare` creates them from the models in
  one go and stamps the store at the head revision (what running every migration would give,
  only faster; a CI test holds the two equal).
* ``current``: stamped at the head revision.
* ``behind``: stamped at an older revision, or ``unversioned``: tables but no stamp (made by
  a finbots from before migrations). ``finbots db upgrade`` brings either to the head.
* ``ahead``: stamped at a revision this finbots does not know: a newer finbots upgraded it.

Anything but ``empty`` and ``current`` is refused with :class:`SchemaOutOfDateError`, whose
message says what to run. On PostgreSQL, creating and upgrading take one advisory lock, so
that two nodes starting at once neither create nor migrate the same store twice.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from bots.runtime.errors import StoreError
from orchestrator.store import models as _models  # noqa: F401  (registers the tables)
from orchestrator.store import search_index
from orchestrator.store.engine import IMMEDIATE

__all__ = [
    "MIGRATIONS",
    "UPGRADE_COMMAND",
    "VERSION_TABLE",
    "SchemaOutOfDateError",
    "SchemaState",
    "alembic_config",
    "head_revision",
    "migration_lock",
    "prepare",
    "read_state",
    "require_current",
    "script_directory",
]

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "finbots db upgrade"
VERSION_TABLE = "alembic_version"
#: The PostgreSQL advisory lock key held while a store is created or migrated ("finbdbmg").
LOCK_KEY = 0x66696E6264626D67


class SchemaOutOfDateError(StoreError):
    """The store's schema is not the one this finbots needs (the message says what to run)."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What a store holds: its stamped revision (``None``: none) and whether it has tables."""

    current: str | None
    head: str
    has_tables: bool
    known: bool  # the stamped revision is one of this finbots's migrations

    @property
    def status(self) -> str:
        """``empty``, ``current``, ``behind``, ``unversioned`` or ``ahead``."""
        if not self.has_tables:  # a stamp left behind by dropped tables counts for nothing
            return "empty"
        if self.current is None:
            return "unversioned"
        if self.current == self.head:
            return "current"
        return "behind" if self.known else "ahead"

    def describe(self) -> str:
        """One sentence for a person: where the store is and what to do."""
        status = self.status
        if status == "current":
            return f"the store's schema is current (revision {self.head})"
        if status == "empty":
            return f"the store is empty; it is created at revision {self.head} on first use"
        if status == "ahead":
            return (f"the store's schema is at revision {self.current}, which this finbots "
                    f"does not know (its newest is {self.head}): a newer finbots upgraded "
                    "it; run that version, or restore a backup taken before its upgrade")
        was = ("was created by a finbots from before schema migrations"
               if status == "unversioned" else f"is at revision {self.current}")
        return (f"the store's schema {was}; this finbots needs revision {self.head}: "
                f"run `{UPGRADE_COMMAND}` (take a backup first: `finbots db backup FILE`)")


def alembic_config() -> Config:
    """Alembic's configuration for the store's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


@functools.cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision; more than one means two migrations must be merged first."""
    heads = script_directory().get_heads()
    if len(heads) != 1:
        msg = (f"the store's migrations have {len(heads)} heads ({', '.join(sorted(heads))}): "
               "merge them with `finbots db merge`")
        raise StoreError(msg)
    return heads[0]


def _is_known(revision: str) -> bool:
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or ambiguous ids
        return False


def read_state(conn: Connection) -> SchemaState:
    """The schema state of the store behind ``conn``."""
    names = set(inspect(conn).get_table_names())
    has_tables = bool(names & set(SQLModel.metadata.tables))
    current = None
    if VERSION_TABLE in names:
        heads = MigrationContext.configure(conn).get_current_heads()
        if len(heads) > 1:
            raise StoreError(f"the store is stamped at several revisions: {', '.join(heads)}")
        current = heads[0] if heads else None
    head = head_revision()
    return SchemaState(current, head, has_tables, current is None or _is_known(current))


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction that holds the store's schema lock.

    SQLite: the write lock (``BEGIN IMMEDIATE``); PostgreSQL: a transaction-scoped advisory
    lock, so a second node waits and then sees what the first one did.
    """
    options = {IMMEDIATE: True} if engine.dialect.name == "sqlite" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        yield conn


def prepare(engine: Engine) -> SchemaState:
    """Create an empty store at the head revision; refuse one whose schema is not current."""
    with engine.connect() as conn:  # the common case, a current store, without the lock
        state = read_state(conn)
        conn.rollback()
    if state.status == "empty":
        with migration_lock(engine) as conn:
            state = read_state(conn)
            if state.status == "empty":
                SQLModel.metadata.create_all(conn)
                search_index.install(conn)
                MigrationContext.configure(conn).stamp(script_directory(), state.head)
                return SchemaState(state.head, state.head, True, True)
    if state.status != "current":
        raise SchemaOutOfDateError(state.describe())
    return state


def require_current(engine: Engine) -> SchemaState:
    """The store's state if it is current or empty; :class:`SchemaOutOfDateError` if not."""
    with engine.connect() as conn:
        state = read_state(conn)
        conn.rollback()
    if state.status not in ("current", "empty"):
        raise SchemaOutOfDateError(state.describe())
    return state
