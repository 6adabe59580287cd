"""Alembic's entry point for the store's migrations.

finbots runs it through :mod:`orchestrator.store.migrate`, which hands over an open
connection (``config.attributes["connection"]``) already inside a transaction that holds the
store's schema lock. Without one (plain ``alembic`` commands), the URL comes from
``FINBOTS_DB_URL`` the way finbots reads it. SQLite tables are altered in batch mode (copy,
drop, rename), since SQLite's ALTER TABLE cannot change most things.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel import SQLModel

from orchestrator.config import get_settings
from orchestrator.store import models as _models  # noqa: F401  (registers the tables)
from orchestrator.store.compare import COMPARE_OPTIONS
from orchestrator.store.engine import make_engine
from orchestrator.store.schema import migration_lock

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    """Write the SQL instead of running it (``--sql``)."""
    context.configure(url=get_settings().db_url, target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, **COMPARE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(get_settings().db_url, foreign_keys=False)
    try:
        with migration_lock(engine) as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection: Any) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, **COMPARE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
