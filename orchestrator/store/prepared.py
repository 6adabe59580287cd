"""Statements compiled once and sent through the driver: the work queue's hot path.

Building an SQLAlchemy statement, computing its cache key and setting up a typed result
cost a robot more CPU than the database spends on a claim (about 1 ms of Python against a
fraction of that on the server). A :class:`Prepared` statement is compiled once per
dialect; each execution only converts its parameters and the returned row with the
columns' own type processors (so times stay timezone-aware UTC and JSON stays JSON) and
sends the SQL text through ``exec_driver_sql``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql import ClauseElement

__all__ = ["Prepared", "detached"]

M = TypeVar("M")

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """One statement compiled for one dialect, with its parameter and column converters."""

    sql: str
    positional: tuple[str, ...] | None  # parameter order for ``?`` drivers, else named
    defaults: Mapping[str, Any]  # values bound at build time (limits, literals)
    binds: Mapping[str, _Processor]
    columns: tuple[tuple[str, _Processor], ...]  # the RETURNING columns, in order

    @classmethod
    def build(cls, statement: ClauseElement, dialect: Dialect) -> Prepared:
        compiled = statement.compile(dialect=dialect)
        binds = {name: bind.type._cached_bind_processor(dialect)
                 for name, bind in compiled.binds.items()}
        returning = getattr(compiled, "returning", None) or ()
        columns = tuple((c.key, c.type._cached_result_processor(dialect, None))
                        for c in returning)
        positional = tuple(compiled.positiontup) if compiled.positional else None
        defaults = {name: bind.effective_value for name, bind in compiled.binds.items()
                    if not bind.required}
        return cls(compiled.string, positional, defaults, binds, columns)

    def row(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run the statement with ``params`` (by bind name); its first returned row as a
        dict of column key -> value, converted as the ORM would, or None."""
        values = {**self.defaults, **params}
        for name, process in self.binds.items():
            if process is not None and name in values:
                values[name] = process(values[name])
        args: Any = (tuple(values[n] for n in self.positional) if self.positional is not None
                     else values)
        found = conn.exec_driver_sql(self.sql, args).first()
        if found is None:
            return None
        return {key: (process(value) if process is not None else value)
                for (key, process), value in zip(self.columns, found, strict=True)}


def detached(model: type[M], values: dict[str, Any]) -> M:
    """A detached instance of the table model ``model`` from a returned row, filled the way
    a query fills one (its columns set as they are): the model's ``__init__`` costs a
    hundred times more."""
    row: M = model._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    row.__dict__.update(values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    make_transient_to_detached(row)
    return row
