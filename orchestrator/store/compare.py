"""Whether a store's schema is the models' schema (what ``alembic check`` asks).

Used by the CI test that holds the migrations and the models equal, by ``finbots db check``,
and by autogenerate (``finbots db revision``), which renders the store's own column types as
plain SQLAlchemy types so that a migration never depends on today's Python classes.
"""

from __future__ import annotations

import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from orchestrator.store import models as _models  # noqa: F401  (registers the tables)
from orchestrator.store.search_index import is_search_object
from orchestrator.store.types import Money, UTCDateTime

__all__ = ["COMPARE_OPTIONS", "differences", "include_name", "render_item"]


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Plain SQLAlchemy types for the store's own column types in generated migrations."""
    if type_ != "type":
        return False
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, Money):
        return "sa.Numeric(precision=18, scale=2)"
    return False


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Everything but the inbox search's text index, which no model describes
    (:mod:`orchestrator.store.search_index`)."""
    return not is_search_object(name, type_)


COMPARE_OPTIONS: dict[str, Any] = {"compare_type": True, "render_item": render_item,
                                   "include_name": include_name}


def differences(conn: Connection) -> list[Any]:
    """What autogenerate would change to make the store's schema the models' (``[]``: same).

    Alembic's own ``alembic_version`` table is not a difference. SQLite cannot reflect an
    expression index (``text("priority DESC")``), so those are compared on PostgreSQL only
    (the warnings saying so are silenced here).
    """
    context = MigrationContext.configure(conn, opts=dict(COMPARE_OPTIONS))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        diffs = compare_metadata(context, SQLModel.metadata)
    return [d for d in diffs if not _is_version_table(d)]


def _is_version_table(diff: Any) -> bool:
    table = diff[1] if isinstance(diff, tuple) and len(diff) > 1 else None
    return getattr(table, "name", None) == "alembic_version"
