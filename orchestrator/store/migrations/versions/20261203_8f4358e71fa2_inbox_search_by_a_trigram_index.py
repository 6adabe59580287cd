"""The inbox search looks words up in a trigram index of the cases' search text.

SQLite: an FTS5 table with the trigram tokenizer (``exception_case_search``, contentless,
rowid = case id) kept by three triggers on ``exception_case``, filled from the cases there
are. PostgreSQL: the ``pg_trgm`` extension (when the server offers it and the role may
create it) and a GIN index of ``search_text`` trigrams, which ``LIKE '%word%'`` uses.
Neither is a model (see ``orchestrator.store.search_index``); the statements are frozen
here as they were written.

Revision ID: 8f4358e71fa2
Revises: 0e1e83a58a8a
Create Date: 2026-12-03 09:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8f4358e71fa2"
down_revision: str | tuple[str, ...] | None = "0e1e83a58a8a"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

_SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS exception_case_search USING fts5("
    "search_text, content='', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS exception_case_search_insert AFTER INSERT ON exception_case "
    "BEGIN INSERT INTO exception_case_search(rowid, search_text) "
    "VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS exception_case_search_delete AFTER DELETE ON exception_case "
    "BEGIN INSERT INTO exception_case_search(exception_case_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS exception_case_search_update AFTER UPDATE OF search_text, id "
    "ON exception_case BEGIN "
    "INSERT INTO exception_case_search(exception_case_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO exception_case_search(rowid, search_text) VALUES (new.id, new.search_text); "
    "END",
    "INSERT INTO exception_case_search(exception_case_search) VALUES ('delete-all')",
    "INSERT INTO exception_case_search(rowid, search_text) "
    "SELECT id, search_text FROM exception_case",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE:
            bind.exec_driver_sql(statement)
        return
    if bind.dialect.name != "postgresql":
        return
    installed = bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    if installed.first() is None:
        offered = bind.exec_driver_sql(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
        if offered is None:
            return  # the search keeps scanning the text
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return  # no right to create it: the search keeps scanning the text
    bind.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_exception_case_search_trgm "
                         "ON exception_case USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    # finbots has no downgrade: an operator restores the backup taken before the upgrade.
    raise NotImplementedError(
        "finbots has no downgrade: restore the backup taken before the upgrade "
        "(finbots db restore FILE)"
    )
