"""The text index behind the inbox search: every case's ``search_text`` by trigrams.

A search looks for each typed word anywhere inside a case's text (``LIKE '%word%'``),
which no ordinary index answers: without this one, every search reads the text of every
case. The index is the database's own:

* SQLite: an FTS5 table with the ``trigram`` tokenizer (``exception_case_search``, rowid =
  case id, no copy of the text kept), filled by triggers on ``exception_case``; a word of
  three characters or more is then a phrase ``MATCH`` on it;
* PostgreSQL: a GIN index of ``pg_trgm`` trigrams on ``search_text``, which serves the
  ``LIKE`` conditions as they are (when the server has the ``pg_trgm`` extension; without
  it, searches still work by reading every case).

These objects are not SQLAlchemy models: a migration creates them in an existing store,
:func:`install` in a new one (after ``create_all``) and again after every upgrade (a
SQLite migration that copies ``exception_case`` drops its triggers), and the models
comparison leaves them out (:func:`is_search_object`).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

__all__ = ["FTS_TABLE", "MIN_TRIGRAM", "PG_INDEX", "install", "is_search_object"]

FTS_TABLE = "exception_case_search"
PG_INDEX = "ix_exception_case_search_trgm"
#: Characters a word needs before the trigram index can look it up (shorter: a scan).
MIN_TRIGRAM = 3

_SQLITE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON exception_case "
    f"BEGIN INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON exception_case "
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF search_text, id "
    f"ON exception_case BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)
_SQLITE_FILL = (f"INSERT INTO {FTS_TABLE}(rowid, search_text) "
                "SELECT id, search_text FROM exception_case")


def install(conn: Connection) -> bool:
    """Create the index where it is missing (filled from the cases there are); ``False``
    when the database cannot have one (PostgreSQL without ``pg_trgm``)."""
    if conn.dialect.name == "sqlite":
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).first()
        for statement in _SQLITE:
            conn.exec_driver_sql(statement)
        if not exists:
            conn.exec_driver_sql(_SQLITE_FILL)
        return True
    if conn.dialect.name != "postgresql":
        return False
    if conn.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is None:
        if conn.exec_driver_sql(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first() is None:
            return False
        try:
            with conn.begin_nested():  # no right to create it: the search scans, as before
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError:
            return False
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON exception_case "
                         "USING gin (search_text gin_trgm_ops)")
    return True


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether ``name`` is part of the text index (not a model: left out of comparisons)."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    return type_ == "index" and name == PG_INDEX
